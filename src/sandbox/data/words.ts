// Word lists for generated data: plain, international, and obviously fictional.

export const FIRST_NAMES = [
  'Ada', 'Alan', 'Amara', 'Anders', 'Ana', 'Aiko', 'Bea', 'Boris', 'Carmen', 'Chidi', 'Clara', 'Dario', 'Dana', 'Elif', 'Emil', 'Eva',
  'Farah', 'Felix', 'Grace', 'Gustav', 'Hana', 'Hugo', 'Ines', 'Ivan', 'Jonas', 'Julia', 'Kai', 'Kofi', 'Lara', 'Leo', 'Lina', 'Luca',
  'Maja', 'Marta', 'Mateo', 'Mei', 'Nadia', 'Nils', 'Noah', 'Olga', 'Omar', 'Paula', 'Priya', 'Rafael', 'Rosa', 'Sami', 'Sofia', 'Sven',
  'Tara', 'Theo', 'Uma', 'Vera', 'Viktor', 'Wen', 'Yara', 'Yusuf', 'Zoe', 'Kerli', 'Mihkel', 'Liis',
] as const;

export const LAST_NAMES = [
  'Adler', 'Alvarez', 'Berg', 'Bianchi', 'Castro', 'Chen', 'Dubois', 'Eriksen', 'Fischer', 'Garcia', 'Haas', 'Hansen', 'Ito', 'Jensen',
  'Kask', 'Kovac', 'Laine', 'Lopez', 'Meyer', 'Moreau', 'Nakamura', 'Nowak', 'Okafor', 'Olsen', 'Petrov', 'Popescu', 'Quinn', 'Rossi',
  'Sato', 'Schmidt', 'Silva', 'Smith', 'Tamm', 'Torres', 'Ueda', 'Vargas', 'Virtanen', 'Wagner', 'Weber', 'Xu', 'Yilmaz', 'Zimmer',
  'Mets', 'Saar', 'Kuusk', 'Lepp', 'Rebane', 'Ilves', 'Novak', 'Horvat',
] as const;

export const ORG_FIRST = [
  'Acme', 'Blue Harbor', 'Brightline', 'Cobalt', 'Copperleaf', 'Driftwood', 'Evergreen', 'Fjord', 'Granite', 'Helix', 'Ironbark', 'Juniper',
  'Kestrel', 'Lumen', 'Meridian', 'Northwind', 'Oakridge', 'Pinecrest', 'Quarry', 'Redwood', 'Saltmarsh', 'Tidewater', 'Umbra', 'Vantage',
  'Willow', 'Zenith',
] as const;

export const ORG_SECOND = ['Analytics', 'Logistics', 'Labs', 'Foods', 'Systems', 'Health', 'Energy', 'Studio', 'Partners', 'Robotics', 'Textiles', 'Capital'] as const;

export const ORG_SUFFIX = ['Ltd', 'GmbH', 'OÜ', 'Inc', 'AB', 'BV', 'SA', 'Oy'] as const;

export const CITIES = [
  'Tallinn, Estonia', 'Tartu, Estonia', 'Lisbon, Portugal', 'Berlin, Germany', 'Prague, Czechia', 'Austin, TX, USA', 'Dublin, Ireland',
  'Helsinki, Finland', 'London, United Kingdom', 'Madrid, Spain', 'New York, NY, USA', 'Stockholm, Sweden', 'Warsaw, Poland',
] as const;

export const STREETS = ['Main Street', 'Harbour Road', 'Station Square', 'Mill Lane', 'Park Avenue', 'Market Street', 'Lake Road'] as const;

export const JOB_TITLES = ['CEO', 'CTO', 'Head of Sales', 'Operations Manager', 'Procurement Lead', 'Data Analyst', 'Office Manager', 'VP Marketing', 'Engineer', 'CFO'] as const;

export const PRODUCTS = ['Starter plan', 'Team plan', 'Enterprise plan', 'Onboarding package', 'Data migration', 'Support renewal', 'API add-on', 'Training day'] as const;

export const LEAD_SOURCES = ['Website', 'Referral', 'Trade show', 'Cold outreach', 'Webinar', 'Partner'] as const;

export const LOST_REASONS = ['Price too high', 'Chose a competitor', 'No budget', 'Timing', 'No response'] as const;

export const COMPETITORS = ['Globex', 'Initech', 'Umbrella', 'Hooli', 'Soylent'] as const;

export const REGIONS = ['EMEA', 'North America', 'LATAM', 'APAC', 'Nordics'] as const;

export const NOTE_TEXTS = [
  'Called about the renewal; wants a quote by Friday.',
  'Met at the trade show. Interested in the API add-on.',
  'Sent the proposal. Follow up next week.',
  'Asked for a security questionnaire.',
  'Budget approved for Q2.',
  'Prefers email over calls.',
  'Introduced us to their CFO.',
  'Evaluating two other vendors.',
] as const;

export const ACTIVITY_SUBJECTS: Record<string, readonly string[]> = {
  call: ['Intro call', 'Follow-up call', 'Pricing call'],
  meeting: ['Demo', 'Kick-off meeting', 'Quarterly review'],
  task: ['Send proposal', 'Prepare contract', 'Update CRM notes'],
  deadline: ['Contract signature', 'Proposal deadline'],
  email: ['Send case study', 'Reply to questions'],
  lunch: ['Lunch with the team'],
};

export const MAIL_DOMAINS = ['example.com', 'example.org', 'example.net'] as const;
