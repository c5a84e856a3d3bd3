#!/usr/bin/env python3
"""Regenerate the derived catalog files: skill_aliases.csv, courses.csv, content_items.csv.

Hand-written inputs (committed, edited by people):
  features/catalog_data/skills.csv   the canonical skills
  features/catalog_data/roles.yaml   career roles (demand for each skill)
  this file                          ALIASES (how learners actually type skills),
                                     TOPICS (lesson topics per skill, basic -> advanced),
                                     MULTI_SKILL_COURSES and the title/description templates.

Generated outputs (committed too, never edited by hand):
  skill_aliases.csv   hand aliases + a lower-case variant, a typo and a qualified form
                      ("basic sql") per skill; an alias belongs to exactly one skill.
  courses.csv         1-4 single-skill courses per skill (more for skills many roles
                      need, at rising levels and different formats) + hand-written
                      multi-skill courses; ~3% marked inactive (retired).
  content_items.csv   2-6 modules/lessons per course, titled from TOPICS.

Deterministic: every random draw is seeded from SEED and the name of the thing being
drawn, so the same inputs always give byte-identical files. Ids are stable: a course
keeps its course_id as long as its title is unchanged, a content item its content_id
as long as its course and title are unchanged; new rows get the next free id.

    python tools/build_catalog.py           # rewrite the files in features/catalog_data
    python tools/build_catalog.py --check   # exit 1 if they are out of date
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).resolve().parents[1] / "features" / "catalog_data"
SEED = "learnerai-catalog-v1"

# ----------------------------------------------------------------------------- hand-written data

# skill_key: alias; alias; ...   (abbreviations, spellings, common typos)
ALIASES = """
python: python3; Python programming; pyhton; Python 3.x; py
java: Java SE; core java; Java programming; jave
javascript: JS; Javascript; java script; javscript; ES6
typescript: TS; Typescript; type script; typscript
c_language: C programming; ANSI C; C language; C99
cpp: c++; cplusplus; CPP; C plus plus; modern C++
csharp: c#; C sharp; csharp; C-sharp; C# .NET
go: golang; Go lang; Go programming; Golang developer
rust: rust lang; Rust programming; rustlang
kotlin: Kotlin for Android; kotlin programming; kotiln
swift: Swift programming; swift ui; Apple Swift
ruby: Ruby on Rails; RoR; rails; rubby
php: php7; PHP programming; Laravel PHP
scala: Scala programming; scala lang
shell_scripting: bash; bash scripting; shell scripts; sh scripting; scripting in bash
powershell: power shell; PS scripting; Windows PowerShell; powershel
matlab: Matlab; Simulink and MATLAB; matlab programming
html: HTML5; html 5; hypertext markup language; HTLM
css: CSS3; cascading style sheets; SCSS; Sass/CSS
react: React.js; ReactJS; react js; Reactjs hooks; recat
angular: AngularJS; Angular 2+; angular framework; angluar
vue: vue js; VueJS; Vue 3; vuejs
nodejs: node; node js; Node; NodeJS; nodjs
django: Django framework; django rest framework; DRF; djnago
flask: Flask framework; python flask; flsk
fastapi: fast api; FastAPI framework; fast-api
spring_boot: spring; springboot; Spring framework; spring-boot
dotnet: .net core; dot net; ASP.NET; dotnet core; .NET framework
rest_api_design: REST APIs; RESTful services; API design; rest api; restfull api
graphql: graph ql; GraphQL APIs; Apollo GraphQL; grapql
git: github; git version control; version control; gti; git/GitHub
unit_testing: unit tests; TDD; test driven development; unittesting; pytest/junit
test_automation: automation testing; selenium; Cypress testing; automated testing; test automtion
data_structures: DSA; data structure; data-structures; datastructures
algorithms: algorithm design; algo; algorithmic problem solving; algoritms
object_oriented_programming: OOP; OOPs; object oriented design; object-oriented programing
design_patterns: GoF patterns; software design patterns; design paterns
functional_programming: FP; functional programing; functional style programming
concurrency: multithreading; async programming; parallel programming; concurency
android_development: android; android dev; android apps; Android SDK; andriod development
ios_development: iOS; iOS dev; iphone app development; SwiftUI apps
flutter: Flutter/Dart; dart flutter; flutter dev; fluter
react_native: React-Native; RN mobile; reactnative
software_architecture: architecture; solution architecture; software archtecture
microservices: micro services; microservice architecture; micro-services
system_design: systems design; distributed systems design; system-design interviews; sytem design
code_review: code reviews; peer code review; PR reviews
debugging: troubleshooting code; debuging; bug fixing
regular_expressions: regex; regexp; regular expression; regexes
web_performance: page speed; core web vitals; website performance; web perf
secure_coding: secure development; secure programming; OWASP secure coding
game_development: game dev; unity game development; Unreal Engine; gamedev
embedded_systems: embedded; embedded C; microcontrollers; Arduino programming; embeded systems
sql: SQL queries; structured query language; T-SQL; sql querying; sequel
excel: MS Excel; excel spreadsheets; pivot tables; Advanced Excel; exel
data_analysis: data analytics; analysing data; data analyis; analytics
data_visualization: data viz; dataviz; data visualisation; charts and dashboards; data visulization
tableau: Tableau Desktop; tableau dashboards; tablaeu
power_bi: PowerBI; power bi desktop; DAX; MS Power BI; powerbi reports
looker: LookML; Looker Studio; looker dashboards
statistics: stats; statistical analysis; statistcs; applied statistics
probability: probability theory; prob & stats; probablity
pandas: Pandas; python pandas; pandas dataframes; pandsa
numpy: numpy arrays; Numpy; num py
r_language: R programming; RStudio; R language; Rstats; tidyverse
data_cleaning: data wrangling; data cleansing; data munging; data preprocessing; data cleening
data_modeling: data modelling; ER modelling; dimensional modeling; data modleing
data_warehousing: data warehouse; DWH; data warehousing concepts; datawarehouse
etl: ETL; ELT; extract transform load; etl pipelines; data pipelines
apache_spark: Spark; PySpark; spark sql; apache sparks
hadoop: Hadoop HDFS; MapReduce; hadoop ecosystem; haddop
kafka: Kafka; kafka streams; event streaming; kafak
airflow: Airflow; airflow DAGs; apache-airflow; airlfow
dbt: DBT; data build tool; dbt core
snowflake: Snowflake; snowflake data warehouse; snowflake sql; snowflke
bigquery: Big Query; BQ; google bigquery; bigqeury
postgresql: Postgres; postgre sql; psql; PostgresSQL
mysql: MySQL; my sql; mysql database; MariaDB
mongodb: mongo; Mongo DB; mongodb atlas; mongdb
redis: Redis cache; redis db; reddis
database_administration: DBA; database admin; db administration; database administator
query_optimization: SQL tuning; query tuning; query optimisation; SQL performance
data_governance: data stewardship; data catalogue; data goverance
data_quality: DQ; data validation; data quality checks; data qualty
ab_testing: AB testing; a/b tests; split testing; experimentation; A-B testing
data_storytelling: storytelling with data; data story telling; presenting data insights
sas: SAS programming; SAS base; SAS analytics
spss: IBM SPSS; SPSS statistics; spss analysis
time_series_analysis: time series; time-series forecasting; ARIMA; timeseries analysis
bayesian_statistics: bayesian inference; bayes; Bayesian methods; bayesian stats
data_engineering: data engineer skills; big data engineering; data eng
business_intelligence: BI; BI reporting; business inteligence; BI dashboards
google_sheets: gsheets; google spreadsheets; G Sheets
machine_learning: ML; machine-learning; machine learing; Machine learning algorithms; predictive modelling
deep_learning: DL; deep neural networks; neural networks; deep-learning; deep lerning
nlp: NLP; natural language processing; text mining; text analytics; natural langauge processing
computer_vision: CV; image recognition; computer-vision; image processing; computer vison
pytorch: Pytorch; torch; py torch; PyTorch lightning
tensorflow: TF; tensorflow 2; tensor flow; Keras; tensorfow
scikit_learn: sklearn; scikit learn; sci-kit learn; scikitlearn
feature_engineering: feature creation; feature extraction; featuer engineering
mlops: ML ops; ML engineering; model deployment; ML Ops pipelines; mlopps
model_evaluation: model validation; ML metrics; cross-validation; model evalution
recommender_systems: recommendation systems; recommendation engines; collaborative filtering; recommender sytems
reinforcement_learning: RL; deep RL; reinforcment learning
generative_ai: GenAI; gen AI; generative-AI; generative models
prompt_engineering: prompting; prompt design; ChatGPT prompting; promt engineering
large_language_models: LLMs; LLM; GPT models; large-language-models; LLM apps
hugging_face: HuggingFace; transformers library; HF transformers; huggingface hub
anomaly_detection: outlier detection; anomaly detecton; fraud detection models
ai_ethics: responsible AI; ethical AI; AI fairness; AI governance
linear_algebra: linear algebra for ML; matrices; linear algebrs
calculus: calc; differential calculus; multivariable calculus
optimization: optimisation; linear programming; operations research; optimization methods
forecasting: demand planning; sales forecasting; forcasting
aws: AWS; amazon web services; AWS cloud; Amazon AWS; EC2/S3
azure: MS Azure; azure cloud; Windows Azure; Azue
google_cloud: GCP; google cloud; Google Cloud Platform (GCP); gcloud
cloud_architecture: cloud architect skills; cloud solution architecture; cloud archtecture
serverless: serverless architecture; AWS Lambda; FaaS; server-less
cloud_migration: migration to cloud; lift and shift; cloud migrations
finops: FinOps; cloud cost optimization; cloud billing; cloud cost optimisation
cloud_networking: VPC networking; cloud network; virtual networks
cloud_storage: S3 storage; blob storage; object storage
virtualization: VMware; virtualisation; hypervisors; virtual machines
docker: Docker containers; containerization; docker-compose; dokcer; containers
kubernetes: K8s; kube; kubernetes administration; kubernets; k8
terraform: Terraform IaC; HashiCorp Terraform; terraforms; terrafrom
ansible: Ansible playbooks; ansible automation; ansibel
ci_cd: CI CD; continuous integration; continuous delivery; CICD pipelines; ci/cd pipeline
jenkins: Jenkins pipelines; jenkins CI; jenkin
github_actions: GH actions; github action; GitHub workflows
linux: Linux; linux admin; Unix; Ubuntu server; linux sysadmin; linix
observability: monitoring; logging and monitoring; APM; observabilty
prometheus: prometheus monitoring; PromQL; promethius
grafana: Grafana dashboards; grafana monitoring; graphana
site_reliability_engineering: SRE; site reliability; reliability engineering; site reliabilty engineering
incident_management: on-call; incident handling; major incident management; incident managment
infrastructure_as_code: IaC; infra as code; infrastructure-as-code
helm: helm charts; Kubernetes Helm; helm3
computer_networking: networking; TCP/IP; network fundamentals; CCNA; computer netwoking
nginx: Nginx; nginx reverse proxy; engine x; ngnix
release_management: release planning; release manager skills; releases
performance_testing: load testing; JMeter; stress testing; perfomance testing
windows_server: Active Directory; Windows Server admin; windows sysadmin; win server
it_support: helpdesk; help desk; tech support; desktop support; IT helpdesk
cybersecurity: cyber security; infosec; information security; cybersecurity basics; cyber-security
network_security: firewalls; network defence; network securty
penetration_testing: pentesting; pen testing; ethical hacking; pentest; penetraton testing
threat_modeling: threat modelling; STRIDE; threat model
vulnerability_management: vulnerability scanning; vuln management; patch management; vulnerabilty management
siem: SIEM; Splunk; Microsoft Sentinel; security information and event management
incident_response: IR; DFIR; security incident response; incident respone
digital_forensics: forensics; computer forensics; cyber forensics; digital forensic
cryptography: crypto; encryption; PKI; cryptograpy
identity_access_management: IAM; identity management; access management; Okta/SSO
application_security: AppSec; app security; web application security; OWASP
cloud_security: cloud sec; AWS security; cloud securty
security_compliance: ISO 27001; SOC 2; PCI DSS compliance; security compliace
malware_analysis: reverse engineering malware; malware reversing; malware analisys
security_operations: SOC; SecOps; security operations centre; SOC analysis
risk_assessment: risk analysis; IT risk assessment; risk assesment
security_awareness: phishing awareness; security training; cyber awareness
ui_design: UI; user interface design; UI designer skills; visual interface design; ui desing
ux_design: UX; user experience design; user experience; UX/UI; ux desgin
user_research: UX research; user interviews; design research; user reserch
wireframing: wireframes; wire framing; low-fidelity wireframes; wirefaming
prototyping: prototypes; rapid prototyping; interactive prototypes; protoyping
figma: Figma; figma design; figma prototyping; fimga
photoshop: Photoshop; PS; adobe photoshop cc; photo shop; photshop
illustrator: Illustrator; AI illustrator; adobe illustrator cc; ilustrator
graphic_design: graphics design; graphic designer skills; visual design; grafic design
typography: type design; fonts; typograhy
color_theory: colour theory; colors; color palettes; colour theory basics
interaction_design: IxD; interaction designer; micro-interactions
usability_testing: usability tests; user testing; usability studies; usabilty testing
information_architecture: IA; site maps; content structure; information achitecture
design_systems: design system; component libraries; UI kits; design sytems
motion_graphics: After Effects; motion design; animation; motion grahpics
video_editing: Premiere Pro; video editor; DaVinci Resolve; video edting
modeling_3d: 3D; Blender; 3d modelling; Maya 3D; 3D modling
accessibility: a11y; WCAG; web accessibility; accessible design; accesibility
design_thinking: design-thinking; human-centered design; HCD; desing thinking
service_design: service blueprinting; customer journey mapping; service desgin
illustration: illustrations; digital drawing; Procreate; ilustration
photography: photo; photography skills; DSLR photography; photograpy
product_management: PM; product manager skills; product mgmt; product managment
product_roadmapping: roadmaps; product roadmap; roadmapping; product road mapping
product_discovery: discovery; continuous discovery; product discovry
requirements_gathering: requirements elicitation; requirements analysis; requirement gathering; requirments
user_stories: user story writing; acceptance criteria; user storys
prioritization: prioritisation; RICE; MoSCoW; backlog prioritization; priortization
product_analytics: Amplitude; Mixpanel; product metrics; product analitics
okrs: OKR; objectives and key results; goal setting OKRs
business_analysis: BA; business analyst skills; business analisys
go_to_market: GTM; go to market; launch strategy; go-to-market planning
pricing_strategy: pricing; price strategy; pricing models
agile: Agile; agile methodology; agile frameworks; agile practices; agil
scrum: Scrum; scrum framework; sprint planning; scrum methodology; srcum
kanban: Kanban boards; kanban method; kanbna
project_planning: project plans; planning projects; project scheduling; project planing
risk_management: risk mgmt; managing risks; risk managment
stakeholder_management: stakeholder engagement; managing stakeholders; stakeholder managment
jira: JIRA; atlassian jira; jira software; jira boards
ms_project: MS Project; microsoft project; MSP; ms-project
pmp: PMP; PMBOK; project management professional; pmp certification
prince2: PRINCE 2; prince2 foundation; PRINCE2 practitioner
lean_six_sigma: six sigma; lean; LSS green belt; DMAIC; lean 6 sigma
change_management: change mgmt; organisational change; ADKAR; change managment
program_management: programme management; program mgmt; portfolio management
resource_planning: resource management; capacity planning; resourcing
project_budgeting: project cost control; project budgets; cost management
vendor_management: supplier management; third-party management; vendor managment
business_strategy: strategy; strategic planning; corporate strategy; busines strategy
market_research: market analysis; consumer research; market reserach
competitive_analysis: competitor analysis; competitive intelligence; competitve analysis
operations_management: operations; ops management; operations managment
supply_chain_management: supply chain; SCM; supply-chain management; suply chain
process_improvement: process optimisation; business process improvement; continuous improvement; BPI
entrepreneurship: starting a business; startup founding; entrepreneurial skills; entreprenuership
customer_service: customer support; client service; customer care; customer servise
salesforce: SFDC; Salesforce CRM; salesforce admin; sales force
crm: CRM; CRM systems; customer relationship mgmt; CRM software
sales_prospecting: prospecting; lead generation; cold calling; outbound prospecting
b2b_sales: business to business sales; enterprise sales; B2B selling; b2b sale
account_management: key account management; account manager skills; KAM
customer_success: CS; client success; customer sucess; customer onboarding
sap: SAP; SAP S/4HANA; SAP FICO; SAP ERP system
procurement: purchasing; sourcing and procurement; procurment
logistics: shipping and logistics; transport logistics; logisitics
consulting: consultancy; strategy consulting; business consulting; consluting
ecommerce: e-commerce; online retail; Shopify; ecomm; e commerce
contract_management: contracts; contract negotiation; contract admin
digital_marketing: online marketing; digital marketting; internet marketing
seo: SEO; search engine optimisation; organic search; seo optimization
sem: SEM; paid search; PPC; search ads
content_marketing: content strategy; content marketting; inbound content
social_media_marketing: SMM; social media; social media management; social meda marketing
email_marketing: email campaigns; newsletters; e-mail marketing; Mailchimp
marketing_analytics: marketing metrics; campaign analytics; marketing attribution; marketing analitics
google_analytics: GA; GA4; google analytics 4; google analitycs
google_ads: AdWords; google adwords; google ads campaigns; googel ads
paid_social: facebook ads; meta ads; linkedin ads; social ads
brand_management: branding; brand strategy; brand mgmt; brand managment
marketing_strategy: marketing plan; marketing planning; marketing stratergy
growth_marketing: growth hacking; growth; growth marketting
conversion_rate_optimization: CRO; conversion optimisation; landing page optimization; conversion rate optimisation
influencer_marketing: influencers; creator marketing; influencer campaigns
public_relations: PR; media relations; press relations; public relation
marketing_automation: Marketo; Pardot; marketing automations; lead nurturing
hubspot: Hubspot; hubspot crm; hub spot
product_marketing: PMM; product marketing manager skills; product marketting
market_segmentation: segmentation; customer segmentation; targeting and segmentation
event_marketing: events; event management; webinars; event planning
financial_accounting: accounting; accountancy; financial accouting; financial statements
bookkeeping: book keeping; book-keeping; bookeeping; ledger keeping
financial_analysis: finance analysis; ratio analysis; financial analisys
financial_modeling: financial modelling; excel modeling; three-statement model; financial modling
budgeting: budgets; budget planning; budget management; budgetting
financial_forecasting: cash flow forecasting; revenue forecasting; financial forecasts
corporate_finance: CF; corporate financing; capital budgeting
investment_analysis: investments; equity research; portfolio analysis; investment analisys
valuation: DCF; company valuation; DCF valuation; valuations
taxation: tax; tax accounting; tax preparation; taxes
auditing: audit; internal audit; external audit; audting
ifrs: IFRS standards; international financial reporting standards; IFRS 16
gaap: GAAP; us gaap; generally accepted accounting principles
management_accounting: managerial accounting; CIMA; management accounts
accounts_payable: AP; payables; invoice processing; accounts payble
accounts_receivable: AR; receivables; credit control; accounts recievable
quickbooks: QuickBooks Online; QBO; quick books; quickbook
financial_reporting: reporting; month end close; financial reports; financial reportng
treasury_management: treasury; cash management; liquidity management
fpa: FP&A; financial planning & analysis; FP and A; financial planning
cost_accounting: costing; product costing; cost accouting
anti_money_laundering: AML; KYC; AML/KYC; anti money laundering
regulatory_compliance: compliance; regulatory affairs; compliance management; regulatory complaince
personal_finance: money management; personal budgeting; financial literacy
payroll: payroll processing; payroll admin; pay roll; payrol
communication: communication skills; communications; verbal communication; comunication
public_speaking: speaking in public; public speech; presentations to audiences; public speeking
teamwork: team work; collaboration; team player; teamworking
leadership: leadership skills; team leadership; leading teams; leadersip
time_management: time mgmt; managing time; productivity; time managment
critical_thinking: critical-thinking; analytical thinking; critcal thinking
problem_solving: problem-solving; troubleshooting; problem solving skills; problem solveing
emotional_intelligence: EQ; EI; emotional intelligance; empathy
conflict_resolution: conflict management; resolving conflict; mediation; conflict resoluton
negotiation: negotiating; negotiation skills; negociation
active_listening: listening skills; active listning; listening
presentation_skills: presentations; presenting; presentation skils; PowerPoint presentations
decision_making: decision-making; making decisions; desicion making
creativity: creative thinking; innovation; creativty
adaptability: flexibility; adaptibility; dealing with change
mentoring: mentorship; mentor; mentoring others; mentring
coaching: coach; coaching skills; performance coaching; coahing
giving_feedback: feedback; constructive feedback; feedback skills
remote_collaboration: remote work; working remotely; distributed teams; virtual teamwork
cross_cultural_communication: intercultural communication; cultural awareness; cross cultural skills
facilitation: workshop facilitation; facilitating meetings; facilitaion
storytelling: story telling; narrative; storytelling skills
people_management: managing people; team management; line management; people managment
delegation: delegating; delegating tasks; delgation
strategic_thinking: strategic planning skills; big-picture thinking; stratgic thinking
customer_empathy: empathy for customers; customer focus; customer centricity
patient_assessment: patient assesment; health assessment; nursing assessment; head-to-toe assessment
patient_care: direct patient care; bedside care; caring for patients; patiant care
medication_administration: med administration; administering medications; medication admin; medicine administration
infection_control: IPC; infection prevention; infection controll; hand hygiene
basic_life_support: BLS; CPR; CPR/AED; basic life suport
acls: ACLS; advanced life support; ALS; ACLS certification
wound_care: wound management; dressings; wound dressing; wound cair
vital_signs: vitals; vital sign monitoring; observations; obs
electronic_health_records: EHR; EMR; Epic; Cerner; electronic medical records
medical_terminology: medical terms; medical vocabulary; medical terminolgy
clinical_documentation: nursing documentation; charting; clinical notes; documentaion
pharmacology: pharmacolgy; drug knowledge; pharmacology basics
anatomy_physiology: A&P; anatomy; physiology; anatomy and physiolgy
care_planning: care plans; nursing care plans; care planing
patient_education: health education; patient teaching; patient educaton
triage: ER triage; triage nursing; triaging
phlebotomy: blood draws; venipuncture; phlebotomist skills; phlebotomey
hipaa: HIPAA; patient privacy; hipaa regulations; HIPPA
medical_coding: ICD-10 coding; CPT coding; clinical coding; medical codeing
medical_billing: billing and coding; healthcare billing; claims billing
mental_health_first_aid: MHFA; mental health awareness; psychological first aid
palliative_care: end of life care; hospice care; paliative care
pediatric_care: paediatrics; pediatrics; paediatric nursing; child health
geriatric_care: elderly care; aged care; gerontology; care of older people
emergency_care: emergency medicine; ER care; A&E; emergency nursing
health_informatics: healthcare informatics; clinical informatics; health IT
clinical_research: clinical trials; GCP research; clinical reserach
evidence_based_practice: EBP; evidence based nursing; evidence-based medicine
public_health: population health; community health; public heath
epidemiology: epi; disease surveillance; epidemology
nutrition: dietetics; diet and nutrition; nutriton
telehealth: telemedicine; virtual care; remote consultations
healthcare_quality: quality improvement; patient safety; QI in healthcare; PDSA
care_coordination: case management; care management; discharge planning
dementia_care: Alzheimer's care; dementia support; demntia care
lesson_planning: lesson plans; planning lessons; lesson planing
curriculum_design: curriculum development; course design; curriculum planning; curriculm design
instructional_design: ID; instructional designer; ADDIE; learning design; instructonal design
classroom_management: behaviour management; classroom discipline; class management
formative_assessment: assessment for learning; AfL; checks for understanding
differentiated_instruction: differentiation; differentiated teaching; differntiated instruction
elearning_development: e-learning; elearning; online course development; e learning development
lms_administration: LMS; Moodle; Canvas LMS; learning management system; Blackboard
educational_technology: EdTech; ed tech; technology in the classroom; educational technlogy
student_engagement: engaging students; learner engagement; student motivation
special_education: SEN; SPED; special needs education; special educaton
online_teaching: teaching online; remote teaching; virtual teaching; online instruction
assessment_design: test design; writing assessments; rubrics; assesment design
adult_learning: andragogy; adult education; teaching adults
blended_learning: hybrid learning; flipped classroom; blended learing
educational_psychology: psychology of learning; learning theories; educational pschology
articulate_storyline: Storyline 360; Articulate 360; articulate storyline 3
early_childhood_education: ECE; early years; preschool teaching; early childhood educaton
literacy_instruction: teaching reading; phonics; literacy; litteracy instruction
stem_education: STEM; STEM teaching; science education
tutoring: tutor; private tutoring; one-to-one tutoring; tutering
learning_analytics: education analytics; learner analytics; LA dashboards
educational_leadership: school leadership; education management; educational leadreship
training_delivery: delivering training; corporate training; classroom training; trainer skills
english: English language; spoken english; ESL; english fluency; englsh
spanish: Español; spanish language; conversational spanish; spansh
french: Français; french language; conversational french; frech
german: Deutsch; german language; conversational german; germna
mandarin_chinese: Mandarin; Chinese; Putonghua; mandarin chinese language; mandrin
japanese: Nihongo; japanese language; JLPT; japanse
arabic: MSA arabic; arabic language; arbic
portuguese: Português; brazilian portuguese; portugese
italian: Italiano; italian language; itallian
korean: Hangul; korean language; TOPIK; koren
hindi: Hindi language; spoken hindi; hindu language
russian: Русский; russian language; russain
american_sign_language: ASL; sign language; american sign langauge
business_english: english for business; professional english; corporate english; buisness english
translation: translating; translator skills; translaton
interpreting: interpretation; interpreter skills; simultaneous interpreting; interpretting
technical_writing: tech writing; technical documentation; technical writting
copywriting: copy writing; ad copy; copywritting
content_writing: content creation; blog writing; article writing; content writting
business_writing: professional writing; business correspondence; email writing; buisness writing
academic_writing: research writing; essay writing; academic writting
editing: proofreading; copy editing; copyediting; proof reading; editting
creative_writing: fiction writing; poetry; creative writting
grant_writing: grant proposals; fundraising proposals; grant writting
api_documentation: API docs; developer documentation; OpenAPI docs; swagger docs
ux_writing: microcopy; UX copy; content design; ux writting
journalism: news reporting; news writing; journalisim
report_writing: writing reports; report preparation; report writting
scriptwriting: script writing; screenwriting; video scripts; scriptwritting
recruiting: recruitment; hiring; talent acquisition; recruting
sourcing: candidate sourcing; talent sourcing; boolean search; sourcng
interviewing: interview skills; structured interviews; conducting interviews; interveiwing
onboarding: new hire onboarding; employee induction; on-boarding; onbording
performance_management: performance reviews; appraisals; performance appraisal; performace management
compensation_benefits: C&B; comp and ben; reward; total rewards; compensation and benifits
employee_relations: ER; workplace relations; grievances and discipline; employee relatons
employment_law: labor law; labour law; employment legislation; employment laws
learning_development: L&D; training and development; T&D; learning & development
workforce_planning: manpower planning; headcount planning; strategic workforce planning
hr_analytics: people analytics; HR data; workforce analytics; hr analitics
diversity_inclusion: D&I; DEI; diversity equity and inclusion; inclusion; diversity and inclussion
employee_engagement: staff engagement; engagement surveys; employee engagment
hris: HRIS; Workday; BambooHR; HR systems; HRMS
succession_planning: succession management; talent pipeline; sucession planning
organizational_development: OD; organisational development; org design; organizational developement
talent_management: talent mgmt; talent development; talent managment
workplace_safety: OSHA; health and safety; H&S; occupational health and safety; workplace saftey
"""

# skill_key: topic; topic; ...   (ordered from basic to advanced)
TOPICS = """
python: Variables, types and control flow; Functions and modules; Lists, dictionaries and comprehensions; Working with files and JSON; Virtual environments and packaging; Object-oriented Python; Testing with pytest; Generators and iterators; Async I/O with asyncio; Profiling and optimising Python code
java: Java syntax and the JVM; Classes, objects and interfaces; Collections and generics; Exceptions and error handling; Streams and lambdas; Build tools: Maven and Gradle; Concurrency with the java.util.concurrent package; JVM memory and garbage collection tuning
javascript: Variables, types and operators; Functions and scope; Arrays and objects; The DOM and events; Promises and async/await; Modules and bundlers; Closures and prototypes; Performance and memory in the browser
typescript: Basic types and type inference; Interfaces and type aliases; Generics; Union, intersection and literal types; Configuring tsconfig for a project; Advanced and conditional types; Migrating a JavaScript codebase to TypeScript
c_language: Compiling your first C program; Pointers and arrays; Memory allocation with malloc and free; Structs and unions; File I/O in C; Debugging with gdb and valgrind; Writing portable, safe C
cpp: Classes and constructors; References and pointers; The Standard Template Library; RAII and smart pointers; Templates and generic programming; Move semantics; Concurrency in modern C++
csharp: C# syntax and types; Classes, structs and records; LINQ queries; Async and await; Dependency injection in .NET; Entity Framework basics; Performance tips for C# services
go: Go syntax, packages and modules; Structs, methods and interfaces; Error handling the Go way; Goroutines and channels; Building an HTTP service; Testing and benchmarking in Go; Profiling Go programs with pprof
rust: Ownership and borrowing; Structs, enums and pattern matching; Error handling with Result; Traits and generics; Lifetimes; Fearless concurrency; Async Rust with Tokio
kotlin: Kotlin syntax and null safety; Classes and data classes; Collections and lambdas; Coroutines; Kotlin for Android apps; Multiplatform Kotlin
swift: Swift syntax and optionals; Structs, classes and protocols; Closures; Error handling; Concurrency with async/await; Memory management with ARC
ruby: Ruby syntax and blocks; Classes and modules; Collections and enumerables; Rails models and migrations; Rails controllers and views; Testing with RSpec
php: PHP syntax and variables; Forms and sessions; Working with MySQL from PHP; Object-oriented PHP; Laravel routing and controllers; Securing PHP applications
scala: Scala syntax and types; Case classes and pattern matching; Collections and higher-order functions; Traits and implicits; Futures and concurrency; Scala for Spark jobs
shell_scripting: Navigating the shell; Variables and quoting; Pipes, redirection and filters; Conditionals and loops; Functions and script arguments; Text processing with grep, sed and awk; Robust scripts with set -euo pipefail
powershell: Cmdlets and the pipeline; Variables and objects; Scripts and functions; Managing files and the registry; Remoting and automation; Error handling in scripts
matlab: The MATLAB desktop and scripts; Vectors and matrices; Plotting data; Functions and control flow; Signal processing basics; Simulink models
html: Document structure and semantic tags; Links, images and media; Forms and inputs; Tables and lists; Accessible markup; SEO-friendly HTML
css: Selectors and the cascade; The box model; Flexbox layouts; CSS Grid; Responsive design with media queries; Transitions and animations; CSS architecture for large sites
react: Components and JSX; Props and state; Handling events and forms; Hooks: useState and useEffect; Routing with React Router; State management at scale; Performance: memoisation and rendering; Testing React components
angular: Components and templates; Data binding and directives; Services and dependency injection; Routing and navigation; Reactive forms; RxJS and observables; State management with NgRx
vue: The Vue instance and templates; Components and props; Computed properties and watchers; Vue Router; State with Pinia; Composition API patterns
nodejs: The event loop explained; Modules and npm; Building a REST API with Express; Working with databases from Node; Streams and buffers; Error handling and logging; Scaling Node with clustering
django: Projects, apps and settings; Models and the ORM; Views and templates; Forms and validation; The Django admin; Django REST Framework; Deploying Django
flask: Routes and views; Templates with Jinja; Forms and request handling; Flask and SQLAlchemy; Blueprints for larger apps; Building a JSON API with Flask
fastapi: Path and query parameters; Request bodies with Pydantic; Dependency injection; Authentication with OAuth2; Async database access; Testing and deploying FastAPI
spring_boot: Spring Boot project setup; REST controllers; Spring Data JPA; Configuration and profiles; Security with Spring Security; Testing Spring applications; Observability with Actuator
dotnet: The .NET SDK and project structure; ASP.NET Core minimal APIs; Entity Framework Core; Configuration and dependency injection; Authentication and authorisation; Deploying .NET to the cloud
rest_api_design: Resources and HTTP methods; Status codes and error responses; Pagination, filtering and sorting; Versioning strategies; Authentication and rate limiting; Documenting with OpenAPI; Designing for evolvability
graphql: Schemas and types; Queries and mutations; Resolvers; Subscriptions; Pagination and the N+1 problem; Securing a GraphQL API
git: Commits, staging and history; Branching and merging; Remote repositories and pull requests; Resolving merge conflicts; Rebasing and rewriting history; Git workflows for teams
unit_testing: Why we test; Writing your first unit tests; Assertions and test structure; Mocks, stubs and fakes; Test-driven development; Testing legacy code; Measuring coverage sensibly
test_automation: Choosing what to automate; Selenium WebDriver basics; End-to-end tests with Cypress; Playwright for cross-browser testing; Page object pattern; Running tests in CI; Fixing flaky tests
data_structures: Arrays and linked lists; Stacks and queues; Hash tables; Trees and binary search trees; Heaps and priority queues; Graphs and their representations; Tries and advanced structures
algorithms: Big-O notation; Sorting algorithms; Binary search; Recursion; Graph traversal: BFS and DFS; Greedy algorithms; Dynamic programming; Shortest paths
object_oriented_programming: Classes and objects; Encapsulation; Inheritance; Polymorphism; Composition over inheritance; SOLID principles
design_patterns: Why patterns matter; Creational patterns; Structural patterns; Behavioural patterns; Patterns in modern frameworks; Anti-patterns and refactoring
functional_programming: Pure functions; Immutability; Higher-order functions; Map, filter and reduce; Recursion and folds; Monads without the jargon
concurrency: Processes and threads; Race conditions and locks; Deadlocks and how to avoid them; Async I/O and event loops; Message passing and actors; Designing concurrent systems
android_development: Android Studio and project structure; Activities and the lifecycle; Layouts with Jetpack Compose; Navigation; Persisting data with Room; Networking with Retrofit; Publishing to Google Play
ios_development: Xcode and project setup; SwiftUI views and modifiers; State and data flow; Navigation and lists; Networking and JSON; Core Data persistence; Shipping to the App Store
flutter: Dart language essentials; Widgets and layouts; State management; Navigation and routing; Calling APIs; Animations; Releasing to iOS and Android
react_native: Core components; Styling and layout; Navigation; Native modules; Fetching data; Performance tuning; Releasing React Native apps
software_architecture: What architecture is and why it matters; Layered and hexagonal architectures; Event-driven architecture; Architecture decision records; Quality attributes and trade-offs; Evolving legacy systems
microservices: Monolith versus microservices; Service boundaries and domain-driven design; Synchronous and asynchronous communication; Data management across services; Resilience patterns; Observability for microservices
system_design: Requirements and capacity estimates; Load balancing; Caching strategies; Databases: replication and sharding; Message queues; Designing a URL shortener; Designing a news feed; Consistency and availability trade-offs
code_review: Purpose of code review; What to look for; Writing helpful review comments; Reviewing tests; Keeping pull requests small; Building a healthy review culture
debugging: A scientific approach to debugging; Reading stack traces; Using a debugger; Logging for diagnosis; Bisecting regressions; Debugging production issues
regular_expressions: Literals and character classes; Quantifiers; Anchors and groups; Lookaheads and lookbehinds; Regex in Python and JavaScript; Performance pitfalls
web_performance: Measuring performance; Core Web Vitals; Optimising images and fonts; Code splitting and lazy loading; Caching and CDNs; Performance budgets
secure_coding: The OWASP Top 10; Input validation; Preventing injection; Authentication and session management; Secrets handling; Secure code review
game_development: The game loop; Sprites and scenes; Physics and collisions; Input handling; Audio and effects; Publishing your game
embedded_systems: Microcontroller architecture; GPIO and peripherals; Interrupts; Timers and PWM; Communication buses: I2C, SPI, UART; Real-time operating systems
sql: SELECT, WHERE and ORDER BY; Aggregations with GROUP BY; Joins; Subqueries and CTEs; Window functions; Inserts, updates and transactions; Indexes and query plans; Advanced analytics in SQL
excel: Navigating workbooks; Formulas and cell references; Sorting and filtering data; Pivot tables; XLOOKUP and INDEX-MATCH; Charts; Power Query; Dynamic arrays and LAMBDA
data_analysis: Asking the right question; Exploring a dataset; Descriptive statistics; Segmenting and comparing groups; Finding drivers and correlations; Communicating findings
data_visualization: Choosing the right chart; Visual perception and encoding; Colour and accessibility in charts; Dashboards that work; Avoiding misleading charts; Interactive visualisations
tableau: Connecting to data; Building your first worksheet; Calculated fields; Dashboards and actions; Level of detail expressions; Publishing to Tableau Server
power_bi: Getting data with Power Query; Data modelling and relationships; DAX measures; Building reports; Row-level security; Publishing and sharing in the Power BI service
looker: LookML projects; Views and explores; Dimensions and measures; Building dashboards; Derived tables; Governing a Looker instance
statistics: Describing data; Probability distributions; Sampling and the central limit theorem; Confidence intervals; Hypothesis testing; Regression analysis; Non-parametric tests
probability: Sample spaces and events; Conditional probability; Bayes' theorem; Random variables; Common distributions; Expectation and variance; The law of large numbers
pandas: Series and DataFrames; Reading CSV and Excel files; Selecting and filtering; Grouping and aggregating; Merging and joining; Time series with pandas; Performance tips for large data
numpy: Creating arrays; Indexing and slicing; Broadcasting; Vectorised operations; Linear algebra with NumPy; Random numbers and simulation
r_language: R and RStudio basics; Vectors and data frames; Data wrangling with dplyr; Plotting with ggplot2; Statistical models in R; Reproducible reports with R Markdown
data_cleaning: Profiling a dataset; Handling missing values; Removing duplicates; Fixing types and formats; Outliers; Validating cleaned data
data_modeling: Entities and relationships; Normalisation; Keys and constraints; Dimensional modelling; Star and snowflake schemas; Modelling for analytics engineering
data_warehousing: Warehouse architecture; Fact and dimension tables; Slowly changing dimensions; Loading strategies; Partitioning and clustering; Modern cloud warehouses
etl: Extract: sources and connectors; Transform: cleaning and joining; Load: batch and incremental; Idempotent pipelines; Error handling and retries; Monitoring data pipelines
apache_spark: Spark architecture; DataFrames and Spark SQL; Transformations and actions; Joins and shuffles; Partitioning and caching; Structured Streaming; Tuning Spark jobs
hadoop: HDFS; MapReduce; YARN; Hive; The Hadoop ecosystem today
kafka: Topics, partitions and offsets; Producers; Consumers and consumer groups; Kafka Connect; Kafka Streams; Operating a Kafka cluster
airflow: DAGs and tasks; Operators and sensors; Scheduling and backfills; XComs and task dependencies; Testing DAGs; Running Airflow in production
dbt: Models and materialisations; Sources and refs; Tests and documentation; Incremental models; Macros and Jinja; dbt in CI
snowflake: Warehouses, databases and schemas; Loading data; Time travel and cloning; Performance and clustering; Security and roles; Cost control
bigquery: Datasets and tables; Querying with standard SQL; Partitioned and clustered tables; Loading and streaming data; BigQuery ML; Cost control
postgresql: Installing and connecting; Tables, types and constraints; Indexes; JSONB and full-text search; Transactions and MVCC; Replication and backups
mysql: Creating databases and tables; Querying and joins; Indexes; Stored procedures; Replication; Backup and recovery
mongodb: Documents and collections; CRUD operations; Indexes; Aggregation pipeline; Schema design; Replica sets and sharding
redis: Keys and data types; Caching patterns; Pub/sub; Streams; Persistence; Redis Cluster
database_administration: Installing and configuring a database server; Users and permissions; Backup and restore; Monitoring and tuning; High availability; Upgrades and migrations
query_optimization: Reading execution plans; Indexing strategies; Rewriting slow queries; Statistics and cardinality; Partitioning; Caching results
data_governance: Why governance matters; Data ownership and stewardship; Data catalogues and lineage; Privacy and regulation; Data policies and standards; Measuring governance
data_quality: Dimensions of data quality; Profiling and rules; Automated data tests; Data contracts; Monitoring freshness and volume; Root-cause analysis
ab_testing: Formulating hypotheses; Randomisation and sample size; Metrics and guardrails; Analysing results; Common pitfalls: peeking and novelty; Sequential and multi-armed bandit tests
data_storytelling: Know your audience; Finding the story in the data; Narrative structure; Choosing visuals; Presenting recommendations
sas: The SAS environment; DATA steps; PROC steps; Merging datasets; Statistical procedures; SAS macros
spss: Entering and importing data; Descriptive statistics; t-tests and ANOVA; Correlation and regression; Survey analysis
time_series_analysis: Components of a time series; Stationarity; Smoothing methods; ARIMA models; Seasonality; Forecast evaluation
bayesian_statistics: Bayes' rule revisited; Priors and posteriors; Conjugate models; Markov chain Monte Carlo; Hierarchical models; Model checking
data_engineering: The data engineering landscape; Batch versus streaming; Storage formats: Parquet and Avro; Orchestration; Data platform architecture; Reliability and cost
business_intelligence: KPIs and metrics; Data sources for BI; Building a semantic layer; Self-service reporting; Dashboard governance
google_sheets: Sheets basics; Formulas and functions; Sharing and collaboration; QUERY and IMPORTRANGE; Charts; Automating with Apps Script
machine_learning: What machine learning is; Supervised versus unsupervised learning; Linear and logistic regression; Decision trees and random forests; Gradient boosting; Clustering; Model selection and tuning; Bias, variance and regularisation
deep_learning: Neurons and activation functions; Backpropagation; Training neural networks; Convolutional networks; Recurrent networks; Attention and transformers; Regularisation and tuning
nlp: Text preprocessing; Bag of words and TF-IDF; Word embeddings; Text classification; Named entity recognition; Transformers for NLP; Evaluating NLP models
computer_vision: Images as data; Filters and edge detection; Convolutional neural networks; Object detection; Image segmentation; Transfer learning for vision
pytorch: Tensors and autograd; Building models with nn.Module; Datasets and DataLoaders; Training loops; GPU training; Saving and serving models
tensorflow: Tensors and operations; Keras Sequential and Functional APIs; Training and callbacks; tf.data pipelines; Saving and serving models; TensorFlow Lite
scikit_learn: The estimator API; Preprocessing and pipelines; Classification models; Regression models; Cross-validation; Hyperparameter search
feature_engineering: Numeric transformations; Encoding categorical variables; Date and time features; Text features; Feature selection; Avoiding leakage
mlops: The ML lifecycle; Experiment tracking; Model registry and versioning; Serving models; Monitoring drift; CI/CD for ML
model_evaluation: Train, validation and test splits; Classification metrics; Regression metrics; Calibration; Error analysis; Fairness evaluation
recommender_systems: Recommendation problems; Content-based filtering; Collaborative filtering; Matrix factorisation; Hybrid recommenders; Evaluating recommendations
reinforcement_learning: Agents, states and rewards; Markov decision processes; Q-learning; Policy gradients; Deep reinforcement learning
generative_ai: What generative AI is; Text generation; Image generation; Using generative AI at work; Risks and limitations
prompt_engineering: Anatomy of a prompt; Zero-shot and few-shot prompting; Chain-of-thought prompting; Structured output; Evaluating prompts; Prompt injection and safety
large_language_models: How LLMs work; Tokens and context windows; Retrieval-augmented generation; Fine-tuning; Evaluating LLM applications; Deploying LLMs responsibly
hugging_face: The Model Hub; Pipelines; Tokenizers; Fine-tuning with the Trainer; Datasets library; Sharing models
anomaly_detection: Types of anomalies; Statistical methods; Isolation forests; Autoencoders for anomalies; Time-series anomalies; Evaluating detectors
ai_ethics: Why AI ethics matters; Bias and fairness; Transparency and explainability; Privacy; Accountability and governance
linear_algebra: Vectors; Matrices and operations; Linear transformations; Determinants and inverses; Eigenvalues and eigenvectors; Singular value decomposition
calculus: Limits; Derivatives; Rules of differentiation; Integrals; Partial derivatives and gradients; Optimisation with calculus
optimization: Formulating optimisation problems; Linear programming; Integer programming; Convex optimisation; Gradient descent; Heuristics
forecasting: Why forecasts fail; Baseline forecasting methods; Seasonality and trends; Causal drivers; Forecast accuracy metrics; Sales and operations planning
aws: The AWS global infrastructure; IAM users and roles; EC2 compute; S3 storage; VPC networking; RDS and DynamoDB; Lambda and serverless; Well-Architected reviews
azure: Azure subscriptions and resource groups; Azure Active Directory; Virtual machines; Storage accounts; Virtual networks; App Service and Functions; Azure Monitor
google_cloud: Projects and IAM; Compute Engine; Cloud Storage; VPC; Google Kubernetes Engine; Cloud Run; BigQuery overview
cloud_architecture: Cloud service models; Designing for high availability; Scalability patterns; Security by design; Cost-aware architecture; Multi-region and disaster recovery
serverless: Functions as a service; Event sources and triggers; Serverless APIs; State and storage; Cold starts and performance; Observability for serverless
cloud_migration: Migration strategies: the 6 Rs; Discovery and assessment; Planning waves; Data migration; Cutover and validation; Optimising after migration
finops: FinOps principles; Understanding the cloud bill; Tagging and cost allocation; Rightsizing; Reserved capacity and savings plans; Building a FinOps practice
cloud_networking: VPCs and subnets; Routing and gateways; Security groups and network ACLs; Load balancers; VPNs and private connectivity; DNS in the cloud
cloud_storage: Object storage; Block storage; File storage; Storage classes and lifecycle; Durability and replication; Securing storage
virtualization: Hypervisors; Creating virtual machines; Virtual networking; Storage for VMs; Snapshots and migration; VMware vSphere administration
docker: Containers versus virtual machines; Running containers; Writing Dockerfiles; Images and registries; Volumes and networking; Docker Compose; Image security and slimming
kubernetes: Kubernetes architecture; Pods and deployments; Services and ingress; ConfigMaps and secrets; Persistent storage; Autoscaling; RBAC and security; Troubleshooting clusters
terraform: Providers and resources; Variables and outputs; State management; Modules; Workspaces and environments; Testing and CI for Terraform
ansible: Inventory and ad-hoc commands; Playbooks; Variables and templates; Roles; Ansible Vault; Ansible in CI
ci_cd: Continuous integration; Build pipelines; Automated testing in pipelines; Artifacts and versioning; Deployment strategies; Continuous delivery at scale
jenkins: Installing Jenkins; Freestyle jobs; Declarative pipelines; Agents and executors; Shared libraries; Securing Jenkins
github_actions: Workflows, jobs and steps; Triggers and events; Using marketplace actions; Secrets and environments; Matrix builds; Reusable workflows
linux: The Linux filesystem; Users, groups and permissions; Processes and signals; Package management; systemd services; Networking commands; Logs and troubleshooting; Hardening a Linux server
observability: Metrics, logs and traces; Instrumenting applications; Dashboards; Alerting that works; Distributed tracing with OpenTelemetry; SLO-based monitoring
prometheus: Prometheus architecture; Metrics types; PromQL; Exporters; Alertmanager; Scaling Prometheus
grafana: Data sources; Building dashboards; Variables and templating; Alerting; Loki logs in Grafana
site_reliability_engineering: SRE principles; SLIs, SLOs and error budgets; Eliminating toil; Capacity planning; Blameless postmortems; Chaos engineering
incident_management: Incident lifecycle; Severity levels; Roles: incident commander and scribe; Communication during incidents; On-call practices; Postmortems and follow-up
infrastructure_as_code: Why infrastructure as code; Declarative versus imperative; Version control and reviews; Testing infrastructure; Drift detection; Policy as code
helm: Charts and releases; Templates and values; Chart dependencies; Hooks; Packaging and repositories; Helm in CI/CD
computer_networking: The OSI and TCP/IP models; IP addressing and subnetting; Routing; Switching and VLANs; DNS and DHCP; HTTP and TLS; Troubleshooting networks
nginx: Installing NGINX; Serving static content; Reverse proxy; Load balancing; TLS termination; Performance tuning
release_management: Release planning; Branching strategies; Release trains; Feature flags; Rollbacks; Release communication
performance_testing: Performance goals; Load test design; Tools: JMeter, k6 and Gatling; Analysing results; Finding bottlenecks; Performance testing in CI
windows_server: Installing Windows Server; Active Directory; Group Policy; DNS and DHCP on Windows; File services; PowerShell administration
it_support: The help desk role; Ticketing and prioritisation; Troubleshooting hardware; Windows and macOS support; Account and password issues; Remote support tools; Customer communication
cybersecurity: The CIA triad; Threats and threat actors; Security controls; Authentication basics; Network security basics; Security frameworks
network_security: Firewalls; Network segmentation; VPNs; Intrusion detection and prevention; Wireless security; Zero trust networking
penetration_testing: Rules of engagement; Reconnaissance; Scanning and enumeration; Exploitation; Post-exploitation; Web application testing; Reporting findings
threat_modeling: Why threat model; Data flow diagrams; STRIDE; Attack trees; Prioritising mitigations; Threat modelling in agile teams
vulnerability_management: Asset inventory; Vulnerability scanning; CVSS scoring; Prioritisation; Remediation and patching; Metrics and reporting
siem: Log sources; Parsing and normalisation; Correlation rules; Writing detection queries; Dashboards; Tuning false positives
incident_response: Preparation; Detection and analysis; Containment; Eradication and recovery; Lessons learned; Tabletop exercises
digital_forensics: Forensic principles; Evidence acquisition; Disk forensics; Memory forensics; Log analysis; Reporting and chain of custody
cryptography: Symmetric encryption; Asymmetric encryption; Hash functions; Digital signatures; TLS and PKI; Key management
identity_access_management: Identities and accounts; Authentication methods; Single sign-on; Multi-factor authentication; Role-based access control; Privileged access management
application_security: Secure development lifecycle; The OWASP Top 10; Static analysis; Dynamic testing; Dependency scanning; Security in CI/CD
cloud_security: Shared responsibility; Cloud identity; Securing storage; Network controls in the cloud; Logging and detection; Cloud security posture management
security_compliance: Why compliance; ISO 27001; SOC 2; PCI DSS; Policies and controls; Preparing for an audit
malware_analysis: Malware types; Safe lab setup; Static analysis; Dynamic analysis; Reverse engineering basics; Writing detection signatures
security_operations: The SOC model; Alert triage; Threat intelligence; Playbooks; Escalation; SOC metrics
risk_assessment: Risk concepts; Identifying assets and threats; Likelihood and impact; Risk registers; Risk treatment; Reporting risk
security_awareness: Phishing; Passwords and MFA; Social engineering; Safe browsing; Reporting incidents
ui_design: Visual hierarchy; Layout and grids; Components and states; Colour and typography in interfaces; Designing for mobile; Handoff to developers
ux_design: What UX design is; Understanding users; User journeys and flows; Information architecture basics; Wireframes to prototypes; Usability heuristics; Measuring UX
user_research: Research goals and questions; Recruiting participants; User interviews; Surveys; Diary studies and field research; Synthesis and affinity mapping; Sharing insights
wireframing: Why wireframe; Sketching on paper; Low-fidelity wireframes; Annotating wireframes; From wireframe to mock-up
prototyping: Fidelity levels; Paper prototypes; Clickable prototypes; Prototyping interactions; Testing prototypes
figma: The Figma interface; Frames and auto layout; Components and variants; Prototyping in Figma; Design tokens and styles; Collaboration and handoff
photoshop: Layers and masks; Selections; Retouching; Adjustment layers; Compositing; Exporting for web and print
illustrator: Shapes and paths; The pen tool; Colour and gradients; Type in Illustrator; Logos and icons; Exporting vectors
graphic_design: Design principles; Layout and composition; Working with images; Branding basics; Print versus digital; Building a portfolio
typography: Anatomy of type; Choosing typefaces; Pairing fonts; Hierarchy and scale; Spacing: kerning, tracking and leading; Typography for screens
color_theory: The colour wheel; Harmonies; Contrast and accessibility; Colour psychology; Building a palette
interaction_design: Principles of interaction; Affordances and signifiers; Feedback and states; Micro-interactions; Motion in interfaces
usability_testing: Planning a test; Writing tasks; Moderating sessions; Remote unmoderated testing; Analysing findings; Reporting and prioritising fixes
information_architecture: Organisation schemes; Labelling; Navigation systems; Card sorting; Tree testing; Sitemaps
design_systems: Why design systems; Design tokens; Component libraries; Documentation; Governance and contribution; Scaling a design system
motion_graphics: Animation principles; Keyframes and easing; Kinetic typography; Shape layers; Compositing; Rendering and export
video_editing: Editing workflow; Cutting and trimming; Transitions; Audio editing; Colour correction; Exporting for platforms
modeling_3d: The 3D viewport; Modelling basics; Materials and textures; Lighting; Rendering; Optimising models for games and VR
accessibility: Why accessibility matters; WCAG principles; Accessible colour and contrast; Keyboard navigation; Screen readers; Accessible forms; Testing accessibility
design_thinking: Empathise; Define; Ideate; Prototype; Test; Running a design sprint
service_design: Service design principles; Stakeholder maps; Customer journey maps; Service blueprints; Prototyping services
illustration: Drawing fundamentals; Digital brushes; Colour and shading; Character illustration; Editorial illustration
photography: Exposure triangle; Composition; Natural and studio light; Portraits; Editing photos
product_management: The product manager role; Understanding customers; Defining the problem; Writing product requirements; Working with engineering and design; Launching and iterating; Product metrics
product_roadmapping: Roadmap types; Outcome-based roadmaps; Prioritising themes; Communicating roadmaps; Keeping roadmaps current
product_discovery: Opportunity assessment; Customer interviews; Assumption mapping; Experiments and prototypes; Opportunity solution trees
requirements_gathering: Identifying stakeholders; Elicitation techniques; Functional and non-functional requirements; Documenting requirements; Validating and managing change
user_stories: Story structure; Acceptance criteria; Splitting stories; Story mapping; Backlog refinement
prioritization: Why prioritisation is hard; Value versus effort; RICE scoring; MoSCoW; Kano model; Saying no
product_analytics: Defining product metrics; Event tracking; Funnels; Retention and cohorts; Experiment analysis; Building a metrics tree
okrs: What OKRs are; Writing objectives; Measurable key results; Aligning teams; Reviewing and scoring OKRs
business_analysis: The BA role; Business process modelling; Stakeholder analysis; Requirements documentation; Gap analysis; Solution evaluation
go_to_market: Target market; Positioning; Pricing and packaging; Channels; Launch planning; Measuring launch success
pricing_strategy: Pricing fundamentals; Value-based pricing; Cost-plus and competitive pricing; Pricing experiments; Discounting
agile: The Agile Manifesto; Iterative delivery; Agile roles; Agile ceremonies; Scaling agile; Agile metrics
scrum: Scrum roles; The product backlog; Sprint planning; Daily scrum; Sprint review and retrospective; Scrum anti-patterns
kanban: Visualising work; WIP limits; Flow metrics; Classes of service; Continuous improvement with Kanban
project_planning: Project charter; Scope and work breakdown structure; Estimating effort; Scheduling and critical path; Milestones and baselines; Re-planning
risk_management: Risk identification; Qualitative analysis; Quantitative analysis; Risk responses; Monitoring risks
stakeholder_management: Identifying stakeholders; Power-interest grid; Engagement planning; Communication plans; Managing difficult stakeholders
jira: Jira projects and issues; Boards and backlogs; Workflows; JQL queries; Dashboards and reports; Jira administration
ms_project: Creating a project; Tasks and dependencies; Resources; Baselines; Tracking progress; Reports
pmp: PMBOK overview; Process groups; Knowledge areas; Agile and hybrid approaches; Exam strategies; Practice exam
prince2: PRINCE2 principles; Themes; Processes; Tailoring PRINCE2; Foundation exam practice
lean_six_sigma: Lean principles; Value stream mapping; DMAIC; Measure and analyse; Statistical process control; Sustaining improvements
change_management: Why change fails; Change models; Stakeholder impact; Communication and training; Resistance to change; Sustaining change
program_management: Programs versus projects; Benefits management; Program governance; Interdependencies; Program reporting
resource_planning: Capacity and demand; Allocating resources; Resource levelling; Skills matrices; Resource reporting
project_budgeting: Cost estimating; Budget baselines; Earned value management; Forecasting costs; Controlling changes
vendor_management: Vendor selection; Contracts and SLAs; Performance management; Relationship management; Exit planning
business_strategy: What strategy is; Industry analysis; Competitive advantage; Growth strategies; Strategy execution
market_research: Research objectives; Secondary research; Surveys; Focus groups; Market sizing; Presenting research
competitive_analysis: Identifying competitors; Feature comparison; SWOT analysis; Positioning maps; Competitive monitoring
operations_management: Process design; Capacity planning; Inventory management; Quality management; Operations metrics
supply_chain_management: Supply chain basics; Demand planning; Inventory optimisation; Supplier management; Distribution; Supply chain risk
process_improvement: Process mapping; Identifying waste; Root cause analysis; Designing improvements; Measuring results
entrepreneurship: Finding an idea; Validating the market; Business models; Funding options; Building a team; Scaling up
customer_service: Service mindset; Handling enquiries; Handling complaints; Difficult conversations; Omnichannel support; Measuring satisfaction
salesforce: Salesforce navigation; Leads and opportunities; Accounts and contacts; Reports and dashboards; Automation with Flow; Administration basics
crm: CRM concepts; Customer data; Pipeline management; Segmentation; Customer retention
sales_prospecting: Ideal customer profile; Researching prospects; Cold outreach; Social selling; Qualifying leads
b2b_sales: The B2B buying process; Discovery calls; Solution selling; Handling objections; Closing deals; Forecasting the pipeline
account_management: Account planning; Relationship mapping; Upselling and cross-selling; Renewals; Quarterly business reviews
customer_success: The customer success model; Onboarding customers; Health scores; Churn prevention; Expansion
sap: SAP navigation; Master data; Finance module; Materials management; Sales and distribution; Reporting in SAP
procurement: The procurement cycle; Sourcing strategies; Tenders and RFPs; Negotiating with suppliers; Purchase orders
logistics: Transport modes; Warehousing; Inventory control; Last-mile delivery; Logistics KPIs
consulting: The consulting process; Problem structuring; Hypothesis-driven analysis; Client interviews; Recommendations and storylines
ecommerce: Choosing a platform; Product catalogue; Checkout and payments; Fulfilment; Conversion and retention
contract_management: Contract lifecycle; Key clauses; Negotiating terms; Obligations tracking; Renewals and disputes
digital_marketing: The digital marketing landscape; Customer journey online; Channels overview; Campaign planning; Measuring digital marketing
seo: How search engines work; Keyword research; On-page SEO; Technical SEO; Link building; Local SEO; Measuring SEO
sem: How paid search works; Keyword strategy; Ad copy; Bidding strategies; Quality score; Optimising campaigns
content_marketing: Content strategy; Audience personas; Content formats; Editorial calendar; Distribution; Measuring content
social_media_marketing: Choosing platforms; Social strategy; Creating content; Community management; Social analytics
email_marketing: Building a list; Segmentation; Writing emails; Automation journeys; Deliverability; Email metrics
marketing_analytics: Marketing KPIs; Attribution models; Marketing mix modelling; Dashboards; ROI analysis
google_analytics: GA4 setup; Events and conversions; Reports; Explorations; Audiences; Connecting GA4 to ads
google_ads: Account structure; Search campaigns; Display campaigns; Video campaigns; Bidding; Conversion tracking
paid_social: Campaign objectives; Audience targeting; Creative best practices; Budgets and bidding; Measuring paid social
brand_management: What a brand is; Brand positioning; Brand identity; Brand voice; Brand health tracking
marketing_strategy: Situation analysis; Segmentation, targeting and positioning; The marketing mix; Marketing plans; Measuring strategy
growth_marketing: Growth loops; Acquisition experiments; Activation; Retention; Referral programs
conversion_rate_optimization: Conversion funnels; Research for CRO; Hypotheses; Testing; Landing page design
influencer_marketing: Finding influencers; Partnership models; Campaign briefs; Measuring influencer campaigns
public_relations: PR fundamentals; Press releases; Media relations; Crisis communication; Measuring PR
marketing_automation: Automation platforms; Lead scoring; Nurture programs; Workflows; Sales and marketing alignment
hubspot: HubSpot CRM; Marketing Hub; Forms and landing pages; Workflows; Reporting
product_marketing: The PMM role; Positioning and messaging; Buyer personas; Launches; Sales enablement
market_segmentation: Segmentation bases; Demographic and behavioural segments; Segment sizing; Targeting; Personas
event_marketing: Event strategy; Planning logistics; Promotion; Virtual events; Measuring event ROI
financial_accounting: The accounting equation; Double-entry bookkeeping; The income statement; The balance sheet; The cash flow statement; Accruals and adjustments
bookkeeping: Chart of accounts; Recording sales and purchases; Bank reconciliations; VAT and sales tax; Month-end routines
financial_analysis: Reading financial statements; Ratio analysis; Profitability; Liquidity and solvency; Cash flow analysis; Benchmarking
financial_modeling: Model structure and best practice; Revenue build; Three-statement model; Scenarios and sensitivities; DCF in a model; Model review
budgeting: Budget types; Building a budget; Zero-based budgeting; Variance analysis; Rolling forecasts
financial_forecasting: Forecasting methods; Driver-based forecasts; Cash flow forecasting; Scenario planning; Forecast accuracy
corporate_finance: Time value of money; Cost of capital; Capital budgeting; Capital structure; Dividends and buybacks
investment_analysis: Asset classes; Risk and return; Equity analysis; Bond analysis; Portfolio theory
valuation: Valuation principles; Discounted cash flow; Trading comparables; Precedent transactions; Valuing startups
taxation: Tax principles; Income tax; Corporate tax; VAT and sales tax; Tax planning
auditing: Audit principles; Planning an audit; Internal controls; Audit evidence; Audit reporting
ifrs: The IFRS framework; Revenue recognition: IFRS 15; Leases: IFRS 16; Financial instruments: IFRS 9; Consolidation
gaap: The GAAP framework; Revenue recognition: ASC 606; Leases: ASC 842; Inventory; Disclosures
management_accounting: Cost behaviour; Costing methods; Budgeting and control; Performance measurement; Decision making with costs
accounts_payable: Invoice processing; Three-way matching; Payment runs; Vendor reconciliations; AP controls
accounts_receivable: Invoicing; Credit policies; Collections; Cash application; Bad debt
quickbooks: Setting up a company; Invoices and payments; Bills and expenses; Bank feeds; Reports; Payroll in QuickBooks
financial_reporting: Reporting frameworks; Month-end close; Management reports; Statutory accounts; Disclosures
treasury_management: Cash positioning; Liquidity planning; Bank relationships; FX risk; Interest rate risk
fpa: The FP&A role; Annual planning; Forecasting cycles; Variance analysis; Business partnering
cost_accounting: Cost concepts; Job costing; Process costing; Activity-based costing; Standard costing and variances
anti_money_laundering: Money laundering stages; Know your customer; Transaction monitoring; Suspicious activity reporting; Sanctions
regulatory_compliance: Compliance frameworks; Regulatory change; Compliance risk assessment; Monitoring and testing; Reporting breaches
personal_finance: Budgeting your money; Saving; Managing debt; Investing basics; Pensions and retirement
payroll: Payroll basics; Gross to net pay; Deductions and taxes; Payroll calendars; Year-end processing
communication: Communication basics; Clear writing; Speaking with clarity; Non-verbal communication; Communicating in difficult situations
public_speaking: Overcoming nerves; Structuring a talk; Voice and body language; Using slides; Handling questions
teamwork: What makes teams work; Roles in a team; Trust and psychological safety; Collaboration tools; Resolving team issues
leadership: Leadership styles; Setting vision; Motivating people; Leading through change; Leading with integrity
time_management: Planning your week; Prioritising with the Eisenhower matrix; Beating procrastination; Focus and deep work; Managing email and meetings
critical_thinking: Arguments and evidence; Logical fallacies; Cognitive biases; Evaluating sources; Making reasoned judgements
problem_solving: Defining the problem; Root cause analysis; Generating options; Choosing a solution; Implementing and reviewing
emotional_intelligence: Self-awareness; Self-regulation; Empathy; Social skills; Applying EQ at work
conflict_resolution: Sources of conflict; Conflict styles; Difficult conversations; Mediation; Rebuilding relationships
negotiation: Preparing to negotiate; BATNA and reservation points; Creating value; Claiming value; Negotiating across cultures
active_listening: Barriers to listening; Attending; Paraphrasing and summarising; Asking good questions; Listening in conflict
presentation_skills: Planning a presentation; Designing slides; Delivery; Engaging the audience; Presenting online
decision_making: Decision frameworks; Biases in decisions; Group decisions; Decisions under uncertainty; Reviewing decisions
creativity: Creative mindsets; Brainstorming techniques; Lateral thinking; Creative constraints; From idea to action
adaptability: Change and resilience; Growth mindset; Learning agility; Dealing with ambiguity
mentoring: The mentoring relationship; Setting goals; Mentoring conversations; Sharing experience; Ending well
coaching: Coaching versus mentoring; The GROW model; Powerful questions; Goal setting; Coaching for performance
giving_feedback: Why feedback matters; The SBI model; Positive feedback; Corrective feedback; Receiving feedback
remote_collaboration: Remote work habits; Asynchronous communication; Video meetings; Collaboration tools; Building remote team culture
cross_cultural_communication: Cultural dimensions; Communication styles; Working across time zones; Avoiding stereotypes; Inclusive language
facilitation: The facilitator role; Designing agendas; Facilitation techniques; Handling group dynamics; Reaching decisions
storytelling: Why stories work; Story structure; Characters and conflict; Storytelling at work; Delivering a story
people_management: The first-time manager; One-to-ones; Setting expectations; Managing performance; Developing your team; Difficult conversations
delegation: Why delegate; What to delegate; Briefing clearly; Follow-up without micromanaging; Delegation and development
strategic_thinking: Big-picture thinking; Scenario planning; Strategic analysis tools; Linking strategy to action
customer_empathy: Understanding customer needs; Empathy mapping; Listening to customers; Customer journeys
patient_assessment: Principles of patient assessment; Taking a health history; Head-to-toe examination; Cardiovascular and respiratory assessment; Neurological assessment; Pain assessment; Recognising the deteriorating patient
patient_care: Dignity and respect in care; Personal hygiene and comfort; Mobility and positioning; Nutrition and hydration support; Pressure area care; Communicating with patients and families
medication_administration: The rights of medication administration; Reading prescriptions; Dosage calculations; Oral medicines; Injections; IV medications; Preventing and reporting medication errors
infection_control: Chain of infection; Hand hygiene; Personal protective equipment; Isolation precautions; Sterile technique; Managing outbreaks
basic_life_support: Recognising cardiac arrest; High-quality CPR; Using an AED; Airway and rescue breaths; Choking; Team resuscitation
acls: ACLS systematic approach; Airway management; Cardiac rhythms; Cardiac arrest algorithms; Bradycardia and tachycardia; Post-cardiac arrest care; Megacode practice
wound_care: Skin anatomy and healing; Wound assessment; Cleansing and dressings; Pressure injuries; Surgical wounds; Chronic wounds
vital_signs: Temperature; Pulse; Respiration; Blood pressure; Oxygen saturation; Early warning scores
electronic_health_records: Navigating the EHR; Documenting assessments; Orders and results; Medication records; Privacy in the EHR; Using EHR data
medical_terminology: Word roots; Prefixes and suffixes; Body systems vocabulary; Abbreviations; Terminology in records
clinical_documentation: Principles of documentation; Legal aspects; SOAP notes; Documenting care plans; Handover documentation
pharmacology: Pharmacokinetics; Pharmacodynamics; Drug classes; Adverse reactions; Drug interactions; Pharmacology for nurses
anatomy_physiology: Cells and tissues; The skeletal and muscular systems; The cardiovascular system; The respiratory system; The nervous system; The digestive and renal systems
care_planning: The nursing process; Setting patient goals; Planning interventions; Evaluating outcomes; Person-centred care plans
patient_education: Health literacy; Assessing learning needs; Teaching methods; Teach-back; Education for chronic conditions
triage: Principles of triage; Triage scales; Rapid assessment; Re-triage; Mass casualty triage
phlebotomy: Equipment and tubes; Patient identification; Venipuncture technique; Capillary sampling; Specimen handling
hipaa: The Privacy Rule; The Security Rule; Patient rights; Breach notification; HIPAA in daily practice
medical_coding: Coding basics; ICD-10-CM; CPT; HCPCS; Coding guidelines; Auditing codes
medical_billing: The revenue cycle; Claims; Insurance and payers; Denials and appeals; Patient billing
mental_health_first_aid: Mental health basics; Recognising signs of distress; The ALGEE action plan; Crisis situations; Self-care for first aiders
palliative_care: Principles of palliative care; Symptom management; Communication at end of life; Supporting families; Care after death
pediatric_care: Child development; Pediatric assessment; Family-centred care; Common childhood illnesses; Pediatric medication safety
geriatric_care: The ageing body; Frailty and falls; Polypharmacy; Delirium; Person-centred care for older adults
emergency_care: Primary survey ABCDE; Trauma care; Medical emergencies; Shock; Emergency procedures
health_informatics: Health information systems; Data standards: HL7 and FHIR; Clinical decision support; Interoperability; Data privacy
clinical_research: Clinical trial phases; Good clinical practice; Informed consent; Data management; Adverse event reporting
evidence_based_practice: Asking clinical questions; Searching the literature; Appraising evidence; Applying evidence; Evaluating practice change
public_health: Determinants of health; Health promotion; Disease prevention; Health policy; Community health programs
epidemiology: Measures of disease frequency; Study designs; Bias and confounding; Outbreak investigation; Surveillance
nutrition: Macronutrients; Micronutrients; Nutrition assessment; Therapeutic diets; Nutrition across the lifespan
telehealth: Telehealth models; Virtual consultations; Remote monitoring; Technology and privacy; Telehealth etiquette
healthcare_quality: Quality in healthcare; Patient safety culture; PDSA cycles; Clinical audit; Measuring outcomes
care_coordination: Care transitions; Multidisciplinary teams; Discharge planning; Community services; Coordination tools
dementia_care: Understanding dementia; Communication strategies; Person-centred dementia care; Behaviours that challenge; Supporting carers
lesson_planning: Learning objectives; Lesson structure; Activities that work; Checking for understanding; Reflecting on lessons
curriculum_design: Curriculum models; Learning outcomes; Sequencing content; Aligning assessment; Reviewing a curriculum
instructional_design: Learning theories; The ADDIE model; Needs analysis; Writing objectives; Designing activities; Evaluation with Kirkpatrick
classroom_management: Setting expectations; Routines and procedures; Positive behaviour support; Managing disruption; Building relationships
formative_assessment: Assessment for learning; Questioning techniques; Exit tickets; Peer and self assessment; Acting on evidence
differentiated_instruction: Knowing your learners; Differentiating content; Differentiating process; Differentiating products; Flexible grouping
elearning_development: E-learning formats; Storyboarding; Authoring tools; Interactivity; SCORM and xAPI; Testing e-learning
lms_administration: LMS concepts; Courses and enrolments; Users and roles; Reports; Integrations
educational_technology: EdTech landscape; Choosing tools; Interactive whiteboards; Digital assessment; Online safety
student_engagement: Motivation theory; Active learning; Collaborative learning; Gamification; Engaging reluctant learners
special_education: Types of special needs; Individual education plans; Inclusive teaching strategies; Assistive technology; Working with families
online_teaching: Online learning design; Live online teaching; Asynchronous activities; Online engagement; Online assessment
assessment_design: Validity and reliability; Question types; Rubrics; Authentic assessment; Analysing results
adult_learning: How adults learn; Experiential learning; Motivation in adult learners; Designing for adults; Workplace learning
blended_learning: Blended models; Flipped classroom; Designing the blend; Technology for blended learning; Evaluating blended programs
educational_psychology: Cognitive development; Memory and learning; Motivation; Social learning; Individual differences
articulate_storyline: The Storyline interface; Slides and layers; Triggers and states; Variables; Quizzes; Publishing
early_childhood_education: Child development; Play-based learning; Early literacy; Early numeracy; Working with parents
literacy_instruction: Phonics; Fluency; Vocabulary; Comprehension; Writing instruction
stem_education: Inquiry-based learning; Hands-on experiments; Coding in the classroom; Engineering design challenges; Assessing STEM learning
tutoring: The tutoring session; Diagnosing gaps; Explaining concepts; Building independence; Online tutoring tools
learning_analytics: Learning data sources; Dashboards for teachers; Predicting at-risk learners; Ethics of learning analytics; Acting on insights
educational_leadership: Leading learning; School improvement planning; Staff development; Data-informed leadership; Leading change in schools
training_delivery: Preparing a session; Opening strong; Activities and exercises; Managing the room; Evaluating training
business_english: Introducing yourself professionally; Writing clear work emails; Taking part in meetings; Telephone and video calls; Presenting in English; Negotiating in English
translation: Translation theory; Translating meaning, not words; Terminology management; CAT tools; Quality assurance
interpreting: Consecutive interpreting; Simultaneous interpreting; Note-taking; Ethics; Community and medical interpreting
technical_writing: Audience analysis; Structuring documents; Writing procedures; Style guides; Diagrams and screenshots; Docs-as-code
copywriting: Copywriting fundamentals; Headlines; Persuasion techniques; Calls to action; Copy for the web; Editing your copy
content_writing: Research for writers; Structuring articles; Writing for the web; SEO writing; Editing and polishing
business_writing: Plain English; Emails that get answered; Reports; Proposals; Tone and style
academic_writing: Research questions; Structuring an essay; Referencing; Academic style; Literature reviews
editing: Levels of editing; Grammar and punctuation; Style and consistency; Proofreading techniques; Editing others' work
creative_writing: Finding ideas; Character; Plot; Dialogue; Point of view; Revising
grant_writing: Finding funders; Needs statements; Objectives and methods; Budgets; Evaluation plans
api_documentation: API reference docs; OpenAPI specifications; Tutorials and quickstarts; Code samples; Docs tooling
ux_writing: Voice and tone; Microcopy; Error messages; Onboarding copy; Testing content
journalism: News values; Interviewing sources; Writing news; Feature writing; Media ethics
report_writing: Planning a report; Structure; Executive summaries; Presenting data; Recommendations
scriptwriting: Script formats; Structure; Dialogue; Writing for video; Writing for e-learning
recruiting: The recruitment lifecycle; Job descriptions; Job advertising; Screening; Selection; Offers
sourcing: Sourcing channels; Boolean search; LinkedIn Recruiter; Outreach messages; Talent pools
interviewing: Interview types; Competency-based questions; Structured interviews; Avoiding bias; Scoring and decisions
onboarding: Pre-boarding; First day; Onboarding plans; Buddy programs; Measuring onboarding
performance_management: Goal setting; Continuous feedback; Performance reviews; Managing underperformance; Calibration
compensation_benefits: Pay structures; Job evaluation; Benchmarking; Benefits design; Pay equity
employee_relations: Employee relations basics; Grievances; Disciplinary procedures; Investigations; Workplace mediation
employment_law: Employment contracts; Working time; Discrimination law; Dismissal; Data protection at work
learning_development: Training needs analysis; Learning strategies; Designing programs; Delivery methods; Evaluating impact
workforce_planning: Workforce analysis; Demand forecasting; Supply analysis; Gap analysis; Action planning
hr_analytics: HR metrics; People data sources; Turnover analysis; Engagement analytics; Predictive people analytics
diversity_inclusion: Understanding diversity; Unconscious bias; Inclusive hiring; Inclusive leadership; Measuring inclusion
employee_engagement: Drivers of engagement; Engagement surveys; Action planning; Recognition; Wellbeing
hris: HRIS overview; Employee records; Workflows; Reporting; Data quality
succession_planning: Critical roles; Talent reviews; Development plans; Readiness assessment; Succession governance
organizational_development: OD principles; Diagnosing organisations; Interventions; Culture change; Organisation design
talent_management: Talent strategy; Identifying high potentials; Development programs; Retention; Talent reviews
workplace_safety: Safety law; Hazard identification; Risk assessment; Safety procedures; Incident reporting
"""

# title|level|format|hours|skills (space separated)|description
MULTI_SKILL_COURSES = """
Python and SQL for Data Analysis|Intermediate|Video|24|python sql pandas data_analysis|Query databases with SQL, then clean, reshape and analyse the results in Python with pandas, ending with a reproducible analysis of a real sales dataset.
Full-Stack Web Development with React and Node.js|Intermediate|Project|48|react nodejs javascript rest_api_design|Build and deploy a complete web application: a React front end talking to an Express API on Node.js, with authentication and a database.
From Notebook to Production: Deploying ML Models|Advanced|Project|30|mlops docker machine_learning fastapi|Package a trained model behind a FastAPI service, containerise it with Docker and add monitoring so it keeps working after launch.
Kubernetes and Helm for Platform Teams|Advanced|Interactive|26|kubernetes helm ci_cd|Run real workloads on Kubernetes, package them as Helm charts and ship them through an automated pipeline.
Infrastructure as Code with Terraform on AWS|Intermediate|Interactive|20|terraform aws infrastructure_as_code|Provision VPCs, compute and databases on AWS from version-controlled Terraform code, with modules, remote state and code review.
Dashboards that Drive Decisions with Tableau|Intermediate|Video|14|tableau data_visualization data_storytelling|Design Tableau dashboards that answer real business questions and present them as a clear story to decision makers.
Power BI and Excel for Business Reporting|Beginner|Video|16|power_bi excel business_intelligence|Move from ad-hoc spreadsheets to refreshable Power BI reports built on a clean data model.
Statistics for Data Science with Python|Intermediate|Interactive|22|statistics python probability|Learn the statistics every data scientist uses, from distributions to regression, by simulating and testing ideas in Python.
Experimentation and A/B Testing for Product Teams|Intermediate|Reading|10|ab_testing product_analytics statistics|Design, run and read product experiments correctly, and avoid the mistakes that produce false wins.
Modern Data Engineering with Spark, Kafka and Airflow|Advanced|Project|45|apache_spark kafka airflow data_engineering|Build a streaming and batch data platform end to end: ingest events with Kafka, process them with Spark and orchestrate everything with Airflow.
Analytics Engineering with dbt and Snowflake|Intermediate|Interactive|18|dbt snowflake data_modeling sql|Model raw warehouse data into tested, documented analytics tables with dbt on Snowflake.
Deep Learning with PyTorch|Intermediate|Video|32|deep_learning pytorch python|Build, train and debug neural networks in PyTorch, from simple classifiers to convolutional and transformer models.
Building LLM Applications with Retrieval|Advanced|Project|24|large_language_models prompt_engineering python|Create a question-answering assistant over your own documents with embeddings, retrieval and careful prompt design, and evaluate it properly.
Practical NLP with Hugging Face Transformers|Intermediate|Interactive|20|nlp hugging_face deep_learning|Fine-tune pretrained transformers for classification and entity extraction and ship them as a reusable pipeline.
Responsible AI in Practice|Intermediate|Reading|8|ai_ethics model_evaluation generative_ai|Assess fairness, explainability and risks of AI systems with concrete checklists and case studies.
Mathematics for Machine Learning|Beginner|Video|28|linear_algebra calculus probability|The linear algebra, calculus and probability behind machine learning, explained visually and practised with small exercises.
Recommender Systems in Production|Advanced|Video|18|recommender_systems machine_learning model_evaluation|Design recommenders that combine collaborative and content signals and evaluate them offline and online.
DevOps Foundations: Linux, Git and CI/CD|Beginner|Interactive|20|linux git ci_cd shell_scripting|The everyday toolkit of DevOps engineers: the Linux command line, Git workflows, shell scripts and your first CI pipeline.
Containers from Docker to Kubernetes|Intermediate|Video|22|docker kubernetes|Start with a single container and finish with a scalable, self-healing application on a Kubernetes cluster.
SRE in Practice: SLOs, Monitoring and Incidents|Advanced|Interactive|20|site_reliability_engineering observability prometheus incident_management|Define SLOs, instrument services with Prometheus, build alerts that matter and run blameless incident reviews.
AWS Solutions Architect Preparation|Intermediate|Video|36|aws cloud_architecture cloud_networking cloud_security|Prepare for the AWS Solutions Architect Associate exam while learning to design secure, resilient architectures.
Azure Fundamentals for Cloud Beginners|Beginner|Video|10|azure cloud_storage identity_access_management|Understand core Azure services, identity and storage, and prepare for the AZ-900 exam.
Cloud Cost Optimisation Workshop|Advanced|Project|12|finops aws cloud_architecture|Analyse a real cloud bill, find waste and design savings without hurting reliability.
SOC Analyst Bootcamp|Beginner|VR|30|security_operations siem incident_response cybersecurity|Work shifts in a simulated security operations centre: triage alerts in a SIEM, investigate incidents and escalate them correctly.
Ethical Hacking and Web Application Testing|Intermediate|Project|34|penetration_testing application_security linux|Attack deliberately vulnerable web applications in a lab, exploit OWASP Top 10 flaws and write a professional findings report.
Secure Cloud Architecture|Advanced|Video|16|cloud_security identity_access_management threat_modeling|Threat model cloud systems and design identity, network and data controls that hold up under attack.
Cybersecurity Essentials for Every Employee|Beginner|Audio|2|security_awareness cybersecurity|A short audio course on phishing, passwords and everyday security habits that protect you and your organisation.
UX Design Fundamentals: Research to Prototype|Beginner|Video|18|ux_design user_research wireframing prototyping|Follow a complete UX process: interview users, map their journeys, sketch wireframes and test a clickable prototype.
Designing Interfaces in Figma|Intermediate|Project|16|figma ui_design design_systems|Design a polished mobile app in Figma with auto layout, components and a small design system.
Accessible Web Design and Development|Intermediate|Interactive|12|accessibility html ux_design|Design and code interfaces that work with keyboards, screen readers and for people with low vision, following WCAG 2.2.
Visual Design Basics: Type, Colour and Layout|Beginner|Video|10|typography color_theory graphic_design|The building blocks of good-looking design: choosing type, building colour palettes and laying out pages.
Product Management Essentials|Beginner|Video|14|product_management product_discovery prioritization user_stories|What product managers actually do: discovering problems, prioritising the backlog and writing stories teams can build.
Roadmaps, OKRs and Product Strategy|Advanced|Reading|10|product_roadmapping okrs business_strategy|Connect company strategy to product roadmaps and OKRs that teams can commit to and measure.
Agile Project Management with Scrum and Jira|Beginner|Interactive|12|agile scrum jira|Run sprints in Jira: build a backlog, plan a sprint, hold the ceremonies and track progress with burndown charts.
Project Management Professional (PMP) Exam Prep|Advanced|Video|40|pmp project_planning risk_management stakeholder_management|A complete PMP preparation course covering predictive, agile and hybrid approaches, with full-length practice exams.
Leading Organisational Change|Advanced|Audio|6|change_management leadership stakeholder_management|Stories and frameworks from leaders who steered their organisations through major change.
Digital Marketing Fundamentals|Beginner|Video|16|digital_marketing seo social_media_marketing email_marketing|Plan and run your first campaigns across search, social and email, and learn which numbers to watch.
Search Marketing: SEO and Google Ads|Intermediate|Interactive|18|seo google_ads sem|Win search traffic two ways: earn it with SEO and buy it efficiently with Google Ads.
Marketing Analytics with Google Analytics 4|Intermediate|Video|12|marketing_analytics google_analytics conversion_rate_optimization|Set up GA4, track conversions and use the data to improve campaigns and landing pages.
Growth Marketing Experiments|Advanced|Project|20|growth_marketing ab_testing conversion_rate_optimization|Design and run a programme of growth experiments across acquisition, activation and retention.
Accounting Fundamentals for Non-Accountants|Beginner|Reading|8|financial_accounting bookkeeping|Read and understand financial statements and the bookkeeping behind them, without jargon.
Financial Modelling and Valuation in Excel|Advanced|Project|30|financial_modeling valuation excel corporate_finance|Build a three-statement model in Excel and value the company with a discounted cash flow and comparables.
Budgeting and Forecasting for Managers|Intermediate|Video|10|budgeting financial_forecasting fpa|Build budgets and driver-based forecasts for your department and explain variances with confidence.
IFRS and US GAAP Compared|Advanced|Reading|14|ifrs gaap financial_reporting|A side-by-side guide to the main differences between IFRS and US GAAP and their effect on reported numbers.
AML and KYC Compliance Essentials|Beginner|Interactive|8|anti_money_laundering regulatory_compliance|Recognise money-laundering red flags, perform customer due diligence and escalate suspicious activity.
Consultative B2B Selling|Intermediate|Video|12|b2b_sales negotiation sales_prospecting|Run discovery calls, build a business case with the buyer and negotiate to a signed deal.
Customer Success Playbook|Intermediate|Reading|8|customer_success account_management crm|Onboard customers, track health scores and turn accounts into renewals and expansions.
Salesforce Administration for Beginners|Beginner|Interactive|16|salesforce crm|Configure Salesforce objects, users, reports and automation for a small sales team.
Supply Chain and Logistics Fundamentals|Beginner|Video|14|supply_chain_management logistics procurement operations_management|How goods flow from suppliers to customers, and how planners keep inventory, cost and service in balance.
Lean Six Sigma Green Belt|Advanced|Project|40|lean_six_sigma process_improvement statistics|Lead a DMAIC improvement project with real data and statistical tools, as required for Green Belt certification.
Communication and Presentation Skills at Work|Beginner|Video|6|communication presentation_skills public_speaking|Say what you mean clearly, structure presentations and speak with confidence in meetings.
Leadership for New Managers|Intermediate|Audio|8|leadership people_management delegation giving_feedback|Practical advice for your first year as a manager: one-to-ones, delegation, feedback and building trust.
Emotional Intelligence and Conflict at Work|Intermediate|Video|6|emotional_intelligence conflict_resolution active_listening|Understand emotions, listen actively and turn disagreements into productive conversations.
Negotiation Masterclass|Advanced|VR|5|negotiation emotional_intelligence|Practise high-stakes negotiations with virtual counterparts and get feedback on your tactics.
Remote Teamwork and Collaboration|Beginner|Audio|3|remote_collaboration teamwork cross_cultural_communication|Habits and tools that make distributed, multicultural teams work well together.
Critical Thinking and Problem Solving|Beginner|Interactive|6|critical_thinking problem_solving decision_making|Structure messy problems, weigh evidence and reach decisions you can defend.
Nursing Skills Lab: Assessment and Medication Safety|Intermediate|VR|12|patient_assessment medication_administration vital_signs|Assess virtual patients, recognise deterioration and administer medicines safely in realistic ward simulations.
Infection Prevention for Healthcare Workers|Beginner|Video|4|infection_control patient_care|Hand hygiene, PPE and isolation precautions that protect patients and staff.
BLS and ACLS Certification Course|Intermediate|VR|10|basic_life_support acls emergency_care|Practise CPR, defibrillation and advanced cardiac arrest algorithms in immersive team simulations.
Medical Coding and Billing Fundamentals|Beginner|Reading|30|medical_coding medical_billing medical_terminology|Learn ICD-10 and CPT coding and follow claims through the revenue cycle.
Healthcare Data and Informatics|Intermediate|Video|16|health_informatics electronic_health_records sql|How clinical data is captured in EHRs, exchanged with HL7 FHIR and analysed with SQL.
Caring for Older Adults and People with Dementia|Beginner|Video|8|geriatric_care dementia_care patient_care|Person-centred care for older adults: frailty, falls, dementia and supporting families.
Evidence-Based Practice and Quality Improvement|Advanced|Reading|12|evidence_based_practice healthcare_quality|Appraise research, apply it at the bedside and measure improvement with PDSA cycles.
Teaching Fundamentals: Planning and Classroom Management|Beginner|Video|14|lesson_planning classroom_management formative_assessment|Plan effective lessons, build calm routines and check what students have learned.
Designing Online Courses that Engage|Intermediate|Project|20|instructional_design elearning_development online_teaching|Design and build an engaging online course, from learning objectives to interactive activities and assessments.
Inclusive Classrooms: Differentiation and Special Needs|Intermediate|Reading|10|differentiated_instruction special_education student_engagement|Adapt teaching for every learner, including students with special educational needs.
E-Learning with Articulate Storyline|Intermediate|Interactive|12|articulate_storyline elearning_development|Build interactive e-learning modules with triggers, states, variables and quizzes, and publish them to an LMS.
Train the Trainer|Intermediate|Video|8|training_delivery adult_learning facilitation|Design and deliver workshops that adults find engaging and remember.
Technical Writing for Software Teams|Intermediate|Project|12|technical_writing api_documentation editing|Write and maintain user guides and API docs, using docs-as-code workflows with your engineering team.
Writing for the Web: Copy and Content|Beginner|Reading|8|copywriting content_writing seo|Write web copy and articles that people read, share and find in search.
Recruitment and Interviewing Essentials|Beginner|Video|8|recruiting interviewing sourcing|Source candidates, run structured interviews and make fair hiring decisions.
HR Fundamentals: Employee Relations and Employment Law|Beginner|Reading|12|employee_relations employment_law performance_management|The legal and practical foundations of HR: contracts, grievances, discipline and performance reviews.
People Analytics for HR Professionals|Advanced|Interactive|14|hr_analytics workforce_planning data_analysis|Use HR data to analyse turnover, engagement and workforce needs, and present the findings to leaders.
Business English for Meetings and Emails|Intermediate|Audio|15|business_english english|Sound natural and professional in English meetings, calls and emails.
Spanish for Healthcare Professionals|Intermediate|Audio|12|spanish patient_education|Talk with Spanish-speaking patients: greetings, symptoms, instructions and reassurance.
"""


# ----------------------------------------------------------------------------- parsing


def _parse_block(block: str) -> dict[str, list[str]]:
    """``key: a; b; c`` lines -> {key: [a, b, c]} (order kept)."""
    out: dict[str, list[str]] = {}
    for line in block.strip().splitlines():
        key, _, rest = line.partition(":")
        items = [x.strip() for x in rest.split(";") if x.strip()]
        if key.strip() in out:
            raise ValueError(f"duplicate key {key!r} in data block")
        out[key.strip()] = items
    return out


def _parse_multi(block: str) -> list[dict]:
    rows = []
    for line in block.strip().splitlines():
        title, level, fmt, hours, skills, description = line.split("|")
        rows.append(dict(title=title, level=level, format=fmt, duration_hours=float(hours),
                         skills=skills.split(), description=description))
    return rows


def _rng(*parts: object) -> random.Random:
    """A generator seeded by a string: the same parts always give the same draws."""
    return random.Random("|".join(str(p) for p in (SEED, *parts)))


# ----------------------------------------------------------------------------- aliases

_QWERTY = "qwertyuiop asdfghjkl zxcvbnm"


def _neighbours(ch: str) -> str:
    low = ch.lower()
    rows = _QWERTY.split()
    for r, row in enumerate(rows):
        i = row.find(low)
        if i < 0:
            continue
        near = row[max(0, i - 1):i] + row[i + 1:i + 2]
        for other in (r - 1, r + 1):
            if 0 <= other < len(rows):
                near += rows[other][max(0, i - 1):i + 1]
        return near.upper() if ch.isupper() else near
    return ""


def make_typo(name: str, rng: random.Random) -> str | None:
    """One realistic typing slip in the longest word: a swap, a drop, a double or a
    neighbouring key. Never touches the first letter. None for names too short."""
    words = name.split(" ")
    idx = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not idx:
        return None
    wi = max(idx, key=lambda i: (len(words[i]), -i))
    w = words[wi]
    for op in rng.sample(["swap", "drop", "double", "near"], 4):
        i = rng.randrange(1, len(w) - 1)
        if op == "swap" and w[i] != w[i + 1]:
            new = w[:i] + w[i + 1] + w[i] + w[i + 2:]
        elif op == "drop":
            new = w[:i] + w[i + 1:]
        elif op == "double":
            new = w[:i] + w[i] + w[i:]
        elif op == "near" and _neighbours(w[i]):
            new = w[:i] + rng.choice(_neighbours(w[i])) + w[i + 1:]
        else:
            continue
        out = " ".join(words[:wi] + [new] + words[wi + 1:])
        if rng.random() < 0.5:
            out = out.lower()
        if out.casefold() != name.casefold():
            return out
    return None


_QUALIFIED = ["{n} (basic)", "basic {l}", "{l} skills", "advanced {l}", "{n} (intermediate)",
              "{n} - advanced", "good {l}", "{n} knowledge", "some {l}", "{n} (beginner)"]


def build_aliases(skills: list[dict]) -> list[tuple[str, str]]:
    hand = _parse_block(ALIASES)
    unknown = set(hand) - {s["skill_key"] for s in skills}
    if unknown:
        raise ValueError(f"aliases for unknown skills: {sorted(unknown)}")
    # Canonical names and keys belong to their own skill: nobody else may use them.
    owner: dict[str, str] = {}
    for s in skills:
        owner[s["name"].casefold()] = s["skill_key"]
        owner.setdefault(s["skill_key"].replace("_", " ").casefold(), s["skill_key"])
    rows: list[tuple[str, str]] = []
    for s in skills:
        key, name = s["skill_key"], s["name"]
        rng = _rng("alias", key)
        generated = [name.lower() if name.lower() != name else name[:1].upper() + name[1:]]
        words = name.split()
        if len(words) > 1 and "-" not in name and rng.random() < 0.5:
            generated.append("-".join(words).lower())
        typo = make_typo(name, rng)
        if typo:
            generated.append(typo)
        generated.append(rng.choice(_QUALIFIED).format(n=name, l=name.lower()))
        seen: set[str] = set()
        for alias, is_hand in [(a, True) for a in hand.get(key, [])] + [(a, False) for a in generated]:
            alias = alias.strip()
            if not alias or alias == name or alias in seen:
                continue
            claimed = owner.get(alias.casefold())
            if claimed is not None and claimed != key:
                if is_hand:
                    raise ValueError(f"alias {alias!r} of {key} is taken by {claimed}")
                continue
            owner[alias.casefold()] = key
            seen.add(alias)
            rows.append((key, alias))
    return rows


# ----------------------------------------------------------------------------- courses

COURSE_LEVELS = ("Beginner", "Intermediate", "Advanced")
FORMATS = ("Video", "Reading", "Interactive", "VR", "Audio", "Project")

FORMAT_WEIGHTS = {
    "programming": {"Interactive": 4, "Video": 4, "Project": 2, "Reading": 2},
    "data": {"Interactive": 3, "Video": 4, "Project": 2, "Reading": 2},
    "ai": {"Video": 4, "Interactive": 3, "Project": 2, "Reading": 2},
    "cloud": {"Video": 4, "Interactive": 3, "Reading": 2, "Project": 1},
    "devops": {"Interactive": 4, "Video": 3, "Reading": 1, "Project": 2},
    "security": {"Video": 3, "Interactive": 3, "VR": 1, "Project": 1, "Reading": 2},
    "design": {"Video": 4, "Project": 3, "Interactive": 2, "Reading": 1},
    "product": {"Video": 3, "Reading": 3, "Audio": 2, "Interactive": 1},
    "project management": {"Video": 3, "Reading": 3, "Audio": 2, "Interactive": 2},
    "business": {"Video": 3, "Reading": 3, "Audio": 2, "Interactive": 1},
    "marketing": {"Video": 4, "Interactive": 2, "Reading": 2, "Audio": 2},
    "finance": {"Video": 3, "Reading": 3, "Interactive": 3},
    "soft skills": {"Video": 3, "Audio": 3, "Interactive": 2, "VR": 1},
    "healthcare": {"Video": 3, "VR": 3, "Reading": 2, "Interactive": 2},
    "teaching": {"Video": 3, "Reading": 3, "Interactive": 2, "Audio": 1},
    "languages": {"Audio": 4, "Interactive": 3, "Video": 2, "VR": 1},
    "writing": {"Reading": 3, "Interactive": 3, "Project": 2, "Video": 1},
    "hr": {"Video": 3, "Reading": 3, "Audio": 2, "Interactive": 1},
}

_TECH = {"programming", "cloud", "devops", "security"}
_DATA = {"data", "ai"}

# Skills practised in virtual-reality simulations; no other skill gets a VR course.
VR_SKILLS = {
    "patient_assessment", "patient_care", "medication_administration", "infection_control",
    "basic_life_support", "acls", "wound_care", "vital_signs", "triage", "phlebotomy", "emergency_care",
    "pediatric_care", "geriatric_care", "dementia_care", "anatomy_physiology", "mental_health_first_aid",
    "palliative_care", "patient_education", "public_speaking", "presentation_skills", "negotiation",
    "conflict_resolution", "giving_feedback", "coaching", "active_listening", "emotional_intelligence",
    "customer_empathy", "interviewing", "facilitation", "incident_response", "security_operations",
    "penetration_testing", "digital_forensics", "classroom_management", "modeling_3d", "customer_service",
    "workplace_safety", "b2b_sales", "english", "spanish", "french", "german", "mandarin_chinese",
    "japanese", "arabic", "portuguese", "italian", "korean", "hindi", "russian",
}
# Software products: taught hands-on, never as audio or VR courses; titled like tech.
TOOL_SKILLS = {
    "salesforce", "sap", "crm", "hubspot", "quickbooks", "jira", "ms_project", "google_analytics",
    "google_ads", "excel", "google_sheets", "articulate_storyline", "lms_administration", "hris",
    "figma", "photoshop", "illustrator", "tableau", "power_bi", "looker", "sas", "spss",
}
# Healthcare skills done at the bedside (clinical title templates apply to these only).
CLINICAL_SKILLS = {
    "patient_assessment", "patient_care", "medication_administration", "infection_control",
    "basic_life_support", "acls", "wound_care", "vital_signs", "triage", "phlebotomy", "emergency_care",
    "pediatric_care", "geriatric_care", "dementia_care", "palliative_care", "patient_education",
    "care_planning", "clinical_documentation", "pharmacology", "care_coordination",
    "mental_health_first_aid", "nutrition", "telehealth",
}
_BUSINESS = {"product", "project management", "business", "marketing", "finance", "hr"}

TITLES = {
    "generic": {
        "Beginner": ["Introduction to {n}", "{n} Fundamentals", "{n} for Beginners",
                     "Getting Started with {n}", "{n} Essentials", "Foundations of {n}",
                     "{n} Basics", "First Steps in {n}"],
        "Intermediate": ["Practical {n}", "{n} in Practice", "Applied {n}", "{n}: Beyond the Basics",
                         "Intermediate {n}", "Hands-On {n}"],
        "Advanced": ["Advanced {n}", "Mastering {n}", "{n} Masterclass", "{n} Deep Dive",
                     "Expert {n} Techniques", "Advanced Topics in {n}"],
    },
    "tech": {
        "Beginner": ["{n} from Scratch", "Learn {n}"],
        "Intermediate": ["Working with {n}", "Building Real Projects with {n}", "{n} for Working Engineers"],
        "Advanced": ["{n} at Scale", "Production-Grade {n}", "{n} for Professionals"],
    },
    "data": {
        "Beginner": ["Learn {n}", "{n} for Aspiring Analysts"],
        "Intermediate": ["{n} for Data Professionals", "{n} Workshop"],
        "Advanced": ["{n} for Professionals", "Expert {n}"],
    },
    "tool": {
        "Beginner": ["Learn {n}", "{n} Quick Start"],
        "Intermediate": ["Working with {n}", "{n} Power User"],
        "Advanced": ["{n} for Power Users", "{n} Pro Tips and Automation"],
    },
    "healthcare": {
        "Beginner": ["{n} Essentials for Care Staff", "Foundations of {n}"],
        "Intermediate": ["{n} in Clinical Practice", "Clinical {n} Skills", "{n} on the Ward"],
        "Advanced": ["Advanced {n} for Experienced Clinicians", "{n}: Complex Cases"],
    },
    "soft skills": {
        "Beginner": ["{n} at Work", "Everyday {n}"],
        "Intermediate": ["Practical {n}: Tools and Techniques", "Improving Your {n}"],
        "Advanced": ["{n} for Leaders", "Advanced {n} in Practice"],
    },
    "teaching": {
        "Beginner": ["{n} for New Teachers", "Foundations of {n}"],
        "Intermediate": ["{n} in the Classroom", "Effective {n}"],
        "Advanced": ["Leading {n}", "Advanced {n} for Experienced Educators"],
    },
    "business": {
        "Beginner": ["{n} Fundamentals", "Introduction to {n}"],
        "Intermediate": ["{n} Toolkit", "{n} in the Real World"],
        "Advanced": ["Strategic {n}", "{n} for Managers"],
    },
    "writing": {
        "Beginner": ["{n} Basics", "Introduction to {n}"],
        "Intermediate": ["{n} Workshop", "Better {n}"],
        "Advanced": ["{n} Masterclass", "Advanced {n}"],
    },
    "language": {
        "Beginner": ["{n} A1: First Conversations", "{n} for Absolute Beginners", "Beginner {n}"],
        "Intermediate": ["{n} B1: Everyday Fluency", "Conversational {n}", "Intermediate {n}"],
        "Advanced": ["{n} C1: Professional Fluency", "Advanced {n} for Work", "Advanced {n}"],
    },
}

# Format-specific titles: {format: {level: templates}}; "*" serves every level.
FORMAT_TITLES = {
    "Project": {"Beginner": ["{n} Starter Project", "Build It: A First {n} Project"],
                "*": ["{n} Capstone Project", "{n} Portfolio Project", "Real-World {n} Project", "{n} Project Lab"]},
    "VR": {"*": ["{n}: Virtual Reality Simulation", "Immersive {n} Practice (VR)", "{n} in VR: Realistic Scenarios"]},
    "Audio": {"*": ["{n} on the Go", "The {n} Audio Course", "{n}: Listen and Learn", "{n} Podcast Series"]},
    "Reading": {"Beginner": ["{n} Explained", "The {n} Handbook"],
                "Intermediate": ["{n}: A Practical Guide", "A Field Guide to {n}"],
                "Advanced": ["The Advanced {n} Handbook", "{n}: An Expert's Guide"]},
    "Interactive": {"Beginner": ["Learn {n} Interactively", "Interactive {n} Lab"],
                    "Intermediate": ["{n} by Doing", "Interactive {n} Workshop"],
                    "Advanced": ["Advanced {n} Lab", "{n} Challenge Lab"]},
}
# Projects outside tech and data are workplace projects, not portfolio builds.
WORKPLACE_PROJECT_TITLES = ["{n} in Action: A Workplace Project", "{n} Practicum", "Applied {n} Project",
                            "{n} Field Project"]
HEALTH_VR_TITLES = ["Virtual Ward: {n} Simulation", "{n} Simulation Lab (VR)", "{n} in VR: Clinical Scenarios"]
LANGUAGE_FORMAT_TITLES = {
    "Audio": ["{n} on the Go: Audio Lessons", "Listen and Speak {n}", "{n} Through Podcasts"],
    "VR": ["{n} Immersion in VR", "Virtual Trip: Speaking {n} Abroad"],
}

# Names as they read best inside a course title.
TITLE_NAMES = {
    "cybersecurity": "Cybersecurity", "aws": "AWS", "google_cloud": "Google Cloud", "excel": "Excel",
    "pmp": "PMP Exam Preparation", "fpa": "FP&A", "it_support": "IT Support", "sap": "SAP",
    "linux": "Linux", "web_performance": "Web Performance", "concurrency": "Concurrency",
    "infection_control": "Infection Prevention", "identity_access_management": "Identity and Access Management",
    "etl": "ETL", "photoshop": "Photoshop", "illustrator": "Illustrator", "ms_project": "Microsoft Project",
    "sem": "Search Engine Marketing", "crm": "CRM", "hris": "HRIS", "siem": "SIEM", "okrs": "OKRs",
}
CUSTOM_TITLES = {
    "pmp": ["PMP Exam Prep: The Essentials", "PMP Exam Prep: Practice and Review", "PMP Exam Prep: Full Mock Exams"],
    "prince2": ["PRINCE2 Foundation", "PRINCE2 Practitioner", "PRINCE2 in Complex Projects"],
}

LEVEL_OPENERS = {
    "Beginner": ["A beginner-friendly introduction to {n}.",
                 "Start from zero and learn the essentials of {n}.",
                 "New to {n}? This course covers the fundamentals step by step.",
                 "Build a solid foundation in {n}; no prior experience is needed."],
    "Intermediate": ["Take your {n} beyond the basics with realistic, hands-on practice.",
                     "For learners who know the basics of {n} and want to use it confidently at work.",
                     "Strengthen your {n} through practical scenarios and worked examples.",
                     "Move from knowing about {n} to applying it well on real tasks."],
    "Advanced": ["An advanced course for experienced practitioners who want to master {n}.",
                 "Go deep into {n}: advanced techniques, edge cases and expert judgement.",
                 "Sharpen expert-level {n} on demanding, real-world problems.",
                 "For professionals ready to lead, review and teach others in {n}."],
}
FORMAT_SENTENCES = {
    "Video": ["Short video lessons with worked examples and quick quizzes.",
              "Taught through bite-sized videos you can watch at your own pace."],
    "Reading": ["A self-paced reading course with summaries, examples and practice questions.",
                "Concise readings with checklists you can keep as a reference."],
    "Interactive": ["In-browser exercises give you instant feedback as you practise.",
                    "Learn by doing with interactive exercises and guided labs."],
    "VR": ["Practise in realistic virtual-reality scenarios without real-world risk.",
           "Immersive VR simulations let you rehearse until it feels natural."],
    "Audio": ["Audio lessons designed for your commute or a walk.",
              "Listen-and-learn episodes with short recap exercises."],
    "Project": ["You will complete a guided project that you can add to your portfolio.",
                "Project-based: you build a realistic deliverable step by step, with checkpoints and feedback."],
}

LANGUAGE_TOPICS = [
    "Greetings and introductions in {n}", "Numbers, dates and times in {n}",
    "Ordering food and shopping in {n}", "Talking about work and daily routines in {n}",
    "Telling stories in the past tense in {n}", "Travel and directions in {n}",
    "Expressing opinions in {n}", "Formal {n} for meetings and emails", "Idioms and colloquial {n}",
]


def _is_language(skill: dict) -> bool:
    return skill["category"] == "languages" and skill["skill_key"] not in {
        "translation", "interpreting", "business_english"}


def _title_group(skill: dict) -> str:
    cat = skill["category"]
    if _is_language(skill):
        return "language"
    if skill["skill_key"] in TOOL_SKILLS:
        return "tool"
    if cat in _TECH:
        return "tech"
    if cat in _DATA:
        return "data"
    if cat == "healthcare" and skill["skill_key"] not in CLINICAL_SKILLS:
        return "generic"
    if cat in _BUSINESS:
        return "business"
    return cat if cat in TITLES else "generic"


def _weighted_formats(skill: dict, rng: random.Random, n: int) -> list[str]:
    """n distinct formats drawn by weight (fewer if the category has fewer)."""
    key = skill["skill_key"]
    pool = dict(FORMAT_WEIGHTS.get(skill["category"], {"Video": 3, "Reading": 2, "Interactive": 2}))
    if key in VR_SKILLS:
        pool.setdefault("VR", 2)
    else:
        pool.pop("VR", None)
    if key in TOOL_SKILLS:
        pool.pop("Audio", None)
        pool.setdefault("Interactive", 3)
    out: list[str] = []
    while pool and len(out) < n:
        total = sum(pool.values())
        x = rng.random() * total
        chosen = list(pool)[-1]
        for fmt, w in pool.items():
            x -= w
            if x <= 0:
                chosen = fmt
                break
        out.append(chosen)
        del pool[chosen]
    return out


def _duration(level: str, fmt: str, rng: random.Random) -> float:
    lo, hi = {"Beginner": (2, 12), "Intermediate": (6, 24), "Advanced": (10, 36)}[level]
    if fmt == "Project":
        lo, hi = (8, 25) if level == "Beginner" else (12, 45)
    elif fmt == "Audio":
        lo, hi = 1, 8
    elif fmt == "VR":
        lo, hi = 1.5, 10
    return round(rng.uniform(lo, hi) * 2) / 2


def _topics_for(skill: dict, topics: dict[str, list[str]]) -> list[str]:
    if skill["skill_key"] in topics:
        return topics[skill["skill_key"]]
    if _is_language(skill):
        return [t.format(n=skill["name"]) for t in LANGUAGE_TOPICS]
    raise ValueError(f"no TOPICS for skill {skill['skill_key']}: add a line to TOPICS in tools/build_catalog.py")


def _window(items: list[str], level: str, n: int) -> list[str]:
    """n consecutive topics suited to the level: early ones for beginners, late ones
    for advanced courses."""
    k = len(items)
    if k <= n:
        return list(items)
    start = {"Beginner": 0, "Intermediate": (k - n) // 2, "Advanced": k - n}[level]
    return items[start:start + n]


def _plan_single(skill: dict, demand: int, max_required: int) -> list[tuple[str, str | None]]:
    """(level, forced format or None) for each single-skill course of a skill."""
    if _is_language(skill):
        return [("Beginner", None), ("Intermediate", None), ("Advanced", None)]
    if demand == 0:
        return [("Beginner", None)]
    if demand < 3:
        return [("Beginner", None), ("Advanced" if max_required >= 2 else "Intermediate", None)]
    plan = [("Beginner", None), ("Intermediate", None), ("Advanced", None)]
    if demand >= 6:
        plan.append(("Advanced" if max_required >= 2 else "Intermediate", "Project"))
    return plan


def _pick_title(skill: dict, level: str, fmt: str, used: set[str], rng: random.Random, i: int) -> str:
    key = skill["skill_key"]
    n = TITLE_NAMES.get(key, skill["name"])
    if key in CUSTOM_TITLES and i < len(CUSTOM_TITLES[key]):
        candidates = [CUSTOM_TITLES[key][i]]
    else:
        group = _title_group(skill)
        by_level = TITLES[group][level] + (TITLES["generic"][level] if group != "language" else [])
        if group == "language" and fmt in LANGUAGE_FORMAT_TITLES:
            special = LANGUAGE_FORMAT_TITLES[fmt]
        elif key in CLINICAL_SKILLS and fmt == "VR":
            special = HEALTH_VR_TITLES
        elif fmt == "Project" and group not in ("tech", "data", "tool"):
            special = WORKPLACE_PROJECT_TITLES
        elif fmt in ("Project", "VR", "Audio") or (fmt in FORMAT_TITLES and rng.random() < 0.35):
            by_fmt = FORMAT_TITLES[fmt]
            special = by_fmt.get(level, []) + by_fmt.get("*", [])
        else:
            special = []
        candidates = rng.sample(special, len(special)) + rng.sample(by_level, len(by_level))
        candidates = [c.format(n=n) for c in candidates]
    for c in candidates:
        if c not in used:
            return c
    return f"{candidates[0]} ({level})"


def _describe(name: str, skill_desc: str, level: str, fmt: str, topics: list[str], rng: random.Random) -> str:
    opener = rng.choice(LEVEL_OPENERS[level]).format(n=name)
    covered = "; ".join(topics[:4])
    return f"{opener} {skill_desc} You will cover: {covered}. {rng.choice(FORMAT_SENTENCES[fmt])}"


def build_courses(skills: list[dict], roles: list[dict], topics: dict[str, list[str]]) -> list[dict]:
    by_key = {s["skill_key"]: s for s in skills}
    order = {lv: i for i, lv in enumerate(("Beginner", "Intermediate", "Advanced", "Expert"))}
    demand: dict[str, int] = {}
    max_required: dict[str, int] = {}
    for role in roles:
        for req in role["required_skills"]:
            demand[req["skill"]] = demand.get(req["skill"], 0) + 1
            max_required[req["skill"]] = max(max_required.get(req["skill"], 0), order[req["level"]])
    used: set[str] = set()
    courses: list[dict] = []
    for skill in skills:
        key = skill["skill_key"]
        rng = _rng("course", key)
        plan = _plan_single(skill, demand.get(key, 0), max_required.get(key, 0))
        free = _weighted_formats(skill, rng, len(plan))
        tops = _topics_for(skill, topics)
        for i, (level, forced) in enumerate(plan):
            fmt = forced or (free[i] if i < len(free) else rng.choice(list(free)))
            crng = _rng("course", key, i)
            title = _pick_title(skill, level, fmt, used, crng, i)
            used.add(title)
            hours = _duration(level, fmt, crng)
            n_items = max(2, min(6, round(hours / 6) + 2 + crng.choice((-1, 0, 0, 1))))
            window = _window(tops, level, n_items)
            courses.append(dict(
                title=title, level=level, format=fmt, duration_hours=hours, skills=[key],
                description=_describe(TITLE_NAMES.get(key, skill["name"]), skill["description"],
                                      level, fmt, window, crng),
                _items=[(t, [key]) for t in window], _n_items=n_items, _single=True,
            ))
    for m in _parse_multi(MULTI_SKILL_COURSES):
        missing = [k for k in m["skills"] if k not in by_key]
        if missing:
            raise ValueError(f"multi-skill course {m['title']!r} uses unknown skills {missing}")
        if m["title"] in used:
            raise ValueError(f"duplicate course title {m['title']!r}")
        used.add(m["title"])
        rng = _rng("multi", m["title"])
        n_items = max(3, min(6, round(m["duration_hours"] / 6) + 2))
        # Round-robin over the skills' topics at the course level.
        per_skill = [_window(_topics_for(by_key[k], topics), m["level"], n_items) for k in m["skills"]]
        items: list[tuple[str, list[str]]] = []
        depth = 0
        while len(items) < n_items - 1 and depth < max(len(p) for p in per_skill):
            for k, p in zip(m["skills"], per_skill, strict=True):
                if depth < len(p) and len(items) < n_items - 1 and all(p[depth] != t for t, _ in items):
                    items.append((p[depth], [k]))
            depth += 1
        capstone = {"Project": "Final project: putting it all together",
                    "VR": "Final simulation: the full scenario",
                    "Audio": "Recap: what to practise next"}.get(m["format"], "Case study: bringing the skills together")
        items.append((capstone, list(m["skills"][:3])))
        courses.append(dict(title=m["title"], level=m["level"], format=m["format"],
                            duration_hours=m["duration_hours"], skills=m["skills"],
                            description=m["description"], _items=items, _n_items=len(items),
                            _single=False))
    _mark_inactive(courses)
    return courses


def _mark_inactive(courses: list[dict]) -> None:
    """About 3% retired courses: single-skill ones whose skill keeps two active courses."""
    per_skill: dict[str, int] = {}
    for c in courses:
        for k in c["skills"]:
            per_skill[k] = per_skill.get(k, 0) + 1
    retired: dict[str, int] = {}
    for c in courses:
        key = c["skills"][0]
        eligible = c["_single"] and per_skill[key] - retired.get(key, 0) >= 3
        c["is_active"] = not (eligible and _rng("retire", c["title"]).random() < 0.05)
        if not c["is_active"]:
            retired[key] = retired.get(key, 0) + 1


# ----------------------------------------------------------------------------- content

ITEM_STYLES = ["Lesson {i}: {t}", "Module {i}: {t}", "{t}", "Part {i}: {t}"]
FORMAT_ITEM_STYLES = {"Audio": ["Episode {i}: {t}"], "VR": ["Scenario {i}: {t}", "Simulation {i}: {t}"],
                      "Project": ["Milestone {i}: {t}", "Step {i}: {t}"]}
CHECKS = {"Beginner": "Quiz: {n} fundamentals", "Intermediate": "Practice check: applying {n}",
          "Advanced": "Assessment: advanced {n}"}


def build_content(courses: list[dict], skills: list[dict]) -> list[dict]:
    by_key = {s["skill_key"]: s for s in skills}
    items: list[dict] = []
    for c in courses:
        rng = _rng("content", c["title"])
        styles = FORMAT_ITEM_STYLES.get(c["format"], ITEM_STYLES)
        style = rng.choice(styles)
        entries = list(c["_items"])
        if c["_single"]:
            key = c["skills"][0]
            name = TITLE_NAMES.get(key, by_key[key]["name"])
            # Courses shorter than their plan get a check or a project at the end.
            if len(entries) < c["_n_items"] or (len(entries) >= 3 and rng.random() < 0.35):
                extra = ("Final project: apply {n} to a realistic brief" if c["format"] == "Project"
                         else CHECKS[c["level"]]).format(n=name)
                if len(entries) >= c["_n_items"]:
                    entries = entries[:-1]
                entries.append((extra, [key]))
        entries = entries[:6]
        if len(entries) < 2:
            raise ValueError(f"course {c['title']!r} would have fewer than 2 items")
        for i, (topic, item_skills) in enumerate(entries, start=1):
            if topic.startswith(("Quiz:", "Practice check:", "Assessment:")):
                title, fmt = topic, "Interactive"
            elif topic.startswith(("Final project:", "Final simulation:", "Recap:", "Case study:")):
                title = topic
                fmt = {"Final project": "Project", "Final simulation": "VR", "Recap": "Audio"}.get(
                    topic.split(":")[0], "Reading")
            else:
                title = style.format(i=i, t=topic)
                fmt = c["format"]
                if fmt in ("Video", "Reading", "Interactive") and rng.random() < 0.2:
                    fmt = rng.choice([f for f in ("Video", "Reading", "Interactive") if f != fmt])
            items.append(dict(course_title=c["title"], title=title, format=fmt, skills=item_skills))
    return items


# ----------------------------------------------------------------------------- ids and output


def _existing_ids(data_dir: Path) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    course_ids: dict[str, int] = {}
    content_ids: dict[tuple[str, str], int] = {}
    cpath, ipath = data_dir / "courses.csv", data_dir / "content_items.csv"
    if cpath.exists():
        with cpath.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                course_ids[row["title"]] = int(row["course_id"])
    if ipath.exists() and course_ids:
        titles = {v: k for k, v in course_ids.items()}
        with ipath.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                ct = titles.get(int(row["course_id"]))
                if ct is not None:
                    content_ids[(ct, row["title"])] = int(row["content_id"])
    return course_ids, content_ids


def _assign(keys: list, existing: dict) -> list[int]:
    """Existing keys keep their id; new ones get the next free ids in order."""
    taken = {existing[k] for k in keys if k in existing}
    nxt = max(existing.values(), default=0) + 1
    out = []
    for k in keys:
        if k in existing:
            out.append(existing[k])
        else:
            while nxt in taken:
                nxt += 1
            out.append(nxt)
            taken.add(nxt)
    return out


def _csv_text(header: list[str], rows: list[list]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def build(data_dir: Path = DATA_DIR, existing_dir: Path | None = None) -> dict[str, str]:
    """Return {file name: content} for the generated files.

    Reads skills.csv and roles.yaml from ``data_dir``; ids are kept from the
    courses/content files in ``existing_dir`` (default: ``data_dir``)."""
    with (data_dir / "skills.csv").open(encoding="utf-8", newline="") as f:
        skills = list(csv.DictReader(f))
    with (data_dir / "roles.yaml").open(encoding="utf-8") as f:
        roles = yaml.safe_load(f)["roles"]
    topics = _parse_block(TOPICS)
    unknown = set(topics) - {s["skill_key"] for s in skills}
    if unknown:
        raise ValueError(f"TOPICS for unknown skills: {sorted(unknown)}")

    aliases = build_aliases(skills)
    courses = build_courses(skills, roles, topics)
    content = build_content(courses, skills)

    course_ids, content_ids = _existing_ids(existing_dir or data_dir)
    ids = _assign([c["title"] for c in courses], course_ids)
    for c, cid in zip(courses, ids, strict=True):
        c["course_id"] = cid
    cid_by_title = {c["title"]: c["course_id"] for c in courses}
    item_ids = _assign([(i["course_title"], i["title"]) for i in content], content_ids)

    course_rows = sorted(
        ([c["course_id"], c["title"], c["description"], "|".join(c["skills"]), c["level"], c["format"],
          f"{c['duration_hours']:.1f}", int(c["is_active"])] for c in courses), key=lambda r: r[0])
    content_rows = sorted(
        ([iid, cid_by_title[i["course_title"]], i["title"], i["format"], "|".join(i["skills"])]
         for i, iid in zip(content, item_ids, strict=True)), key=lambda r: r[0])
    return {
        "skill_aliases.csv": _csv_text(["skill_key", "alias"], [list(r) for r in aliases]),
        "courses.csv": _csv_text(["course_id", "title", "description", "skills", "level", "format",
                                  "duration_hours", "is_active"], course_rows),
        "content_items.csv": _csv_text(["content_id", "course_id", "title", "format", "skills"], content_rows),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="where to write (default: the package data)")
    parser.add_argument("--check", action="store_true", help="only verify the committed files are up to date")
    args = parser.parse_args(argv)
    files = build(DATA_DIR)
    if args.check:
        stale = [n for n, text in files.items()
                 if not (DATA_DIR / n).exists() or (DATA_DIR / n).read_text(encoding="utf-8") != text]
        if stale:
            print(f"out of date: {', '.join(stale)} (run python tools/build_catalog.py)")
            return 1
        print("catalog files are up to date")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (args.out / name).write_text(text, encoding="utf-8")
        print(f"wrote {args.out / name} ({text.count(chr(10)) - 1} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
