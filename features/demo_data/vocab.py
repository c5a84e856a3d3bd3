"""Word lists behind the demo data: names, places, devices and message templates.

Small, fixed and plain data so the generated PII looks real and is easy to
recognise (a privacy test searches outputs for these names, emails, phone
numbers and addresses). Everything is a tuple or an immutable table; the
generators index into them with numpy arrays.
"""

from __future__ import annotations

FIRST_NAMES_FEMALE = (
    "Aisha", "Priya", "Emma", "Olivia", "Sofia", "Chloe", "Ananya", "Fatima", "Grace",
    "Hannah", "Isabella", "Julia", "Kavya", "Laura", "Maria", "Nadia", "Ngozi", "Rosa",
    "Sarah", "Yuki", "Zara", "Lena", "Mei", "Amara", "Camila",
)
FIRST_NAMES_MALE = (
    "Arjun", "Rahul", "James", "Liam", "Noah", "Lucas", "Mateo", "Ethan", "Daniel",
    "Felix", "Gabriel", "Hiro", "Ibrahim", "Jonas", "Kofi", "Leon", "Marco", "Nikhil",
    "Omar", "Pedro", "Ravi", "Samuel", "Tobias", "Chidi", "Diego",
)
FIRST_NAMES_OTHER = ("Alex", "Sam", "Robin", "Kai", "Jordan", "Ari", "Noor", "Sasha")
LAST_NAMES = (
    "Sharma", "Patel", "Iyer", "Reddy", "Nair", "Smith", "Johnson", "Williams", "Brown",
    "Garcia", "Miller", "Davis", "Martinez", "Wilson", "Taylor", "Anderson", "Thomas",
    "Moore", "Jackson", "Walker", "Okafor", "Adeyemi", "Mensah", "Silva", "Santos",
    "Oliveira", "Costa", "Schmidt", "Müller", "Weber", "Fischer", "Wagner", "Tanaka",
    "Nguyen", "Kim", "Chen", "Wang", "Reyes", "Cruz", "Mendoza", "Bautista", "Evans",
    "Hughes", "O'Brien", "Murphy", "Kelly", "Khan", "Ali", "Hassan", "Rossi",
)
STREETS = (
    "Maple", "Oak", "Cedar", "Park", "Station", "Church", "Mill", "Lake", "Hill", "River",
    "Victoria", "Gandhi", "Nehru", "King", "Queen", "Market", "Garden", "Sunset", "Elm",
    "Bridge",
)
STREET_SUFFIXES = ("Street", "Road", "Avenue", "Lane", "Drive", "Way", "Close", "Marg")

#: (country, nationality, city, state, IANA timezone, phone prefix, language, weight).
PLACES = (
    ("India", "Indian", "Mumbai", "Maharashtra", "Asia/Kolkata", "+91", "English", 6),
    ("India", "Indian", "Bengaluru", "Karnataka", "Asia/Kolkata", "+91", "English", 7),
    ("India", "Indian", "Delhi", "Delhi", "Asia/Kolkata", "+91", "Hindi", 5),
    ("India", "Indian", "Pune", "Maharashtra", "Asia/Kolkata", "+91", "English", 4),
    ("India", "Indian", "Hyderabad", "Telangana", "Asia/Kolkata", "+91", "English", 4),
    ("India", "Indian", "Chennai", "Tamil Nadu", "Asia/Kolkata", "+91", "Tamil", 3),
    ("United States", "American", "New York", "New York", "America/New_York", "+1",
     "English", 6),
    ("United States", "American", "Boston", "Massachusetts", "America/New_York", "+1",
     "English", 3),
    ("United States", "American", "Chicago", "Illinois", "America/Chicago", "+1",
     "English", 4),
    ("United States", "American", "Austin", "Texas", "America/Chicago", "+1", "English", 3),
    ("United States", "American", "San Francisco", "California", "America/Los_Angeles", "+1",
     "English", 4),
    ("United States", "American", "Seattle", "Washington", "America/Los_Angeles", "+1",
     "English", 2),
    ("United Kingdom", "British", "London", "England", "Europe/London", "+44", "English", 6),
    ("United Kingdom", "British", "Manchester", "England", "Europe/London", "+44",
     "English", 3),
    ("Germany", "German", "Berlin", "Berlin", "Europe/Berlin", "+49", "German", 4),
    ("Germany", "German", "Munich", "Bavaria", "Europe/Berlin", "+49", "German", 3),
    ("Nigeria", "Nigerian", "Lagos", "Lagos", "Africa/Lagos", "+234", "English", 5),
    ("Nigeria", "Nigerian", "Abuja", "FCT", "Africa/Lagos", "+234", "English", 2),
    ("Brazil", "Brazilian", "São Paulo", "São Paulo", "America/Sao_Paulo", "+55",
     "Portuguese", 5),
    ("Brazil", "Brazilian", "Rio de Janeiro", "Rio de Janeiro", "America/Sao_Paulo", "+55",
     "Portuguese", 3),
    ("Australia", "Australian", "Sydney", "New South Wales", "Australia/Sydney", "+61",
     "English", 3),
    ("Australia", "Australian", "Melbourne", "Victoria", "Australia/Melbourne", "+61",
     "English", 2),
    ("Philippines", "Filipino", "Manila", "Metro Manila", "Asia/Manila", "+63", "English", 5),
    ("Philippines", "Filipino", "Cebu City", "Cebu", "Asia/Manila", "+63", "Filipino", 2),
)

#: First octets of the (documentation-style, made-up) address ranges per country.
IP_FIRST_OCTETS = {
    "India": (49, 103, 117), "United States": (23, 68, 98), "United Kingdom": (51, 81, 86),
    "Germany": (46, 79, 91), "Nigeria": (41, 102, 105), "Brazil": (177, 179, 189),
    "Australia": (1, 101, 110), "Philippines": (112, 121, 124),
}

#: (device_type, device model, browser, os, user agent, weight as primary device).
DEVICES = (
    ("Laptop", "Dell XPS 13", "Chrome 124", "Windows 11",
     "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0.0.0 Safari/537.36", 26),
    ("Laptop", "MacBook Air M2", "Safari 17", "macOS 14",
     "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.4 Safari/605.1.15", 16),
    ("Desktop", "Custom PC", "Firefox 125", "Windows 10",
     "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0", 10),
    ("Desktop", "ThinkCentre M70", "Edge 124", "Windows 11",
     "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0", 8),
    ("Mobile", "Samsung Galaxy S23", "Chrome Mobile 124", "Android 14",
     "Mozilla/5.0 (Linux; Android 14; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0.0.0 Mobile Safari/537.36", 16),
    ("Mobile", "iPhone 15", "Mobile Safari 17", "iOS 17",
     "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
     "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1", 14),
    ("Tablet", "iPad Air", "Mobile Safari 17", "iPadOS 17",
     "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.4 Mobile/15E148 Safari/604.1", 6),
    ("Linux Laptop", "ThinkPad X1", "Firefox 125", "Ubuntu 24.04",
     "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0", 4),
)
#: The headset every VR event runs on (index into nothing: VR rows use these directly).
VR_DEVICE = ("VR Headset", "Meta Quest 3", "Meta Quest Browser 32", "Meta Horizon OS",
             "Mozilla/5.0 (X11; Linux x86_64; Quest 3) AppleWebKit/537.36 (KHTML, like Gecko) "
             "OculusBrowser/32.0 Chrome/122.0.0.0 VR Safari/537.36")

VR_ENVIRONMENTS = (
    "Virtual Lab: Cloud Datacenter", "Virtual Lab: Hospital Ward", "Trading Floor Simulator",
    "Design Studio 3D", "Security Operations Center", "Virtual Classroom",
    "Product Showroom", "Robotics Workshop",
)

INSTITUTIONS = (
    "University of Mumbai", "Indian Institute of Technology Madras", "Anna University",
    "University of Lagos", "University of São Paulo", "University of Manchester",
    "Technical University of Munich", "University of Texas at Austin", "Ohio State University",
    "University of the Philippines", "University of Sydney", "Delhi University",
    "Open University", "Community College of Denver", "Humboldt University of Berlin",
)
QUALIFICATIONS = ("Bachelor's Degree", "Master's Degree", "Diploma", "PhD", "Certificate")
CERT_ORGS = ("Coursera", "edX", "LinkedIn Learning", "Google", "Microsoft", "AWS", "PMI",
             "CompTIA", "Udacity", "IBM")

MOTIVATIONS = ("Career growth", "Career change", "Promotion", "Certification",
               "Personal curiosity", "Salary increase", "Starting a business")
COGNITIVE_PATTERNS = (
    "Learns best from worked examples before theory",
    "Prefers big-picture overviews, then details",
    "Needs hands-on practice to retain concepts",
    "Likes step-by-step sequential material",
    "Connects new ideas to real projects",
)
ENGAGEMENT_TYPES = ("Self-paced", "Collaborative", "Competitive", "Exploratory")
PREFERRED_FORMATS = ("Video", "Reading", "Interactive", "VR", "Audio")
LEARNING_TIMES = ("Morning", "Afternoon", "Evening", "Night")
NOTIFICATION_CHANNELS = ("Email", "Push", "SMS", "In-app")
ACCESSIBILITY_NEEDS = ("Captions on videos", "Screen reader support", "High-contrast theme",
                       "Larger fonts", "Extra time on quizzes")
ENDORSERS = ("Manager", "Peer", "Instructor", "Mentor", "Client")
TIMELINES = ("3 months", "6 months", "9 months", "1 year", "18 months", "2 years")

POST_TEMPLATES = {
    "Positive": (
        "Really enjoyed the {course} module, the examples made it click.",
        "Just passed the {course} quiz, thanks everyone for the tips!",
        "Sharing my notes on {course} in case they help anyone.",
        "Great explanation of the last topic in {course}.",
    ),
    "Neutral": (
        "Does anyone have extra reading for {course}?",
        "Which chapter of {course} covers the assignment?",
        "Posting my progress on {course} for this week.",
        "Is there a study session for {course} this weekend?",
    ),
    "Negative": (
        "I'm stuck on the {course} assignment and the video keeps buffering.",
        "The last {course} quiz felt unfair, I don't get what went wrong.",
        "Falling behind on {course}, hard to find the time lately.",
        "Confused by the {course} material, the pace is too fast for me.",
    ),
}
MESSAGE_TEMPLATES = {
    "Message": "Hi! Want to review {course} together this week?",
    "Comment": "Nice point about {course}, I had the same question.",
    "Like": None,
    "PeerReview": "Reviewed your {course} assignment: clear structure, check the edge cases.",
    "MentorshipRequest": "Could you mentor me on {course}? I'm aiming for the next level.",
}
FEEDBACK_COMMENTS = {
    "Positive": ("Excellent course, well paced and practical.",
                 "Loved the hands-on exercises.", "Clear instructor, would recommend."),
    "Neutral": ("Good content but some parts felt rushed.", "Okay overall.",
                "Useful, though the quizzes could be clearer."),
    "Negative": ("Too hard to follow, and the videos kept lagging.",
                 "Not what I expected from the description.",
                 "Assignments were unclear and feedback was slow."),
}
