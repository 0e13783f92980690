// The prompts probes are drawn from: short, ordinary requests of the kind people send to a chat
// model (questions, rewrites, small explanations), not health-check strings. Original text
// written for this project and dedicated to the public domain (CC0 1.0); see README.md.
// `expect` marks known-answer tasks: the answer should contain one of the strings (any case).

export type CorpusPrompt = {
  id: string
  /** The user message. */
  text: string
  /** For known-answer tasks: any of these in the answer counts as correct. */
  expect?: readonly string[]
}

const entries: [string, string, string[]?][] = [
  ['geo-france', 'What is the capital of France?', ['Paris']],
  ['geo-japan', 'What is the capital city of Japan?', ['Tokyo']],
  ['geo-italy', 'Which city is the capital of Italy?', ['Rome']],
  ['sci-water', 'What is the chemical formula of water?', ['H2O', 'H₂O']],
  ['sci-planet', 'Which planet is known as the Red Planet?', ['Mars']],
  ['math-add', 'What is 2 + 2?', ['4', 'four']],
  ['math-week', 'How many days are there in a week?', ['7', 'seven']],
  ['lang-opposite', 'What is the opposite of "hot"?', ['cold']],
  ['color-sky', 'What color is a clear daytime sky?', ['blue']],
  ['animal-cow', 'What sound does a cow make?', ['moo']],
  ['email-late', 'Write a short email telling my team I will be ten minutes late to the meeting.'],
  ['explain-photosynthesis', 'Explain photosynthesis in two sentences.'],
  ['tips-sleep', 'Give me three tips for sleeping better.'],
  ['recipe-pasta', 'How do I cook pasta so it does not stick together?'],
  ['rewrite-polite', 'Rewrite this to sound more polite: "Send me the report now."'],
  [
    'summary-dog',
    'Summarize in one sentence: The dog ran across the park, chased a ball, and then lay down under a tree to rest.',
  ],
  ['idea-birthday', 'Suggest a few ideas for a small birthday party at home.'],
  ['def-algorithm', 'What is an algorithm? Keep it simple.'],
  ['travel-pack', 'What should I pack for a weekend trip to the beach?'],
  ['code-reverse', 'How can I reverse a string in Python?'],
  ['code-loop', 'Show me a for loop in JavaScript that prints the numbers 1 to 5.'],
  ['explain-rain', 'Why does it rain?'],
  ['health-water', 'How much water should an adult drink each day?'],
  ['study-focus', 'How can I stay focused while studying?'],
  ['story-cat', 'Tell me a very short story about a cat who finds a hat.'],
  ['poem-autumn', 'Write a four-line poem about autumn leaves.'],
  ['name-bakery', 'Suggest three names for a small neighbourhood bakery.'],
  ['explain-internet', 'How does the internet work, in simple words?'],
  ['garden-tomato', 'When is the best time to plant tomatoes?'],
  ['money-save', 'What are some easy ways to save money each month?'],
  ['exercise-start', 'I want to start running. How should I begin?'],
  ['word-synonym', 'Give me a synonym for "happy".'],
  ['history-moon', 'Who was the first person to walk on the Moon?', ['Armstrong']],
  ['explain-gravity', 'What is gravity?'],
  ['cook-egg', 'How long should I boil an egg for a soft yolk?'],
  ['pet-dog', 'What do I need before adopting a dog?'],
  ['work-meeting', 'How can I make a team meeting shorter and more useful?'],
  ['translate-hello', 'How do you say "good morning" in Spanish?', ['buenos']],
  ['explain-recycle', 'Why is recycling important?'],
  ['list-fruits', 'List five fruits that are high in vitamin C.'],
  ['advice-interview', 'Give me advice for a job interview tomorrow.'],
  ['explain-seasons', 'Why do we have seasons on Earth?'],
  ['joke-clean', 'Tell me a short, clean joke.'],
  ['plan-day', 'Help me plan a productive Saturday morning.'],
  ['explain-vaccine', 'How does a vaccine help the body?'],
  ['fix-bike', 'My bike chain keeps falling off. What can I check?'],
  ['explain-cloud', 'What is cloud computing?'],
  ['title-essay', 'Suggest a title for an essay about city parks.'],
  ['explain-battery', 'How does a battery store energy?'],
  ['greet-neighbour', 'Write a friendly note to welcome a new neighbour.'],
  ['compare-tea-coffee', 'What is the difference between tea and coffee?'],
  ['explain-compound', 'What is compound interest?'],
  ['hobby-draw', 'How can a beginner learn to draw?'],
  ['explain-volcano', 'What makes a volcano erupt?'],
  ['thank-you', 'Write a short thank-you message to a teacher.'],
  ['explain-password', 'How do I make a strong password?'],
  ['count-legs', 'How many legs does a spider have?', ['8', 'eight']],
  ['explain-tides', 'What causes ocean tides?'],
  ['cook-rice', 'How do I make fluffy rice?'],
  ['explain-dream', 'Why do people dream?'],
]

// More everyday subjects, asked in the ways people ask about them: 40 × 5 = 200 more prompts,
// so that hundreds of challenges need not repeat a prompt (same licence as above).
const topics = [
  'the moon',
  'bread',
  'bicycles',
  'rainbows',
  'honey bees',
  'libraries',
  'volcanoes',
  'coffee',
  'trains',
  'the ocean',
  'chess',
  'paper',
  'electricity',
  'forests',
  'the piano',
  'bridges',
  'snow',
  'maps',
  'tomatoes',
  'clocks',
  'the sun',
  'football',
  'glass',
  'rivers',
  'penguins',
  'cheese',
  'airplanes',
  'deserts',
  'email',
  'gardens',
  'owls',
  'salt',
  'the heart',
  'kites',
  'museums',
  'lightning',
  'rice',
  'wool',
  'telescopes',
  'islands',
]
const templates: [string, (topic: string) => string][] = [
  ['explain', (t) => `Explain ${t} in one sentence.`],
  ['fact', (t) => `Tell me one interesting fact about ${t}.`],
  ['about', (t) => `What can you tell me about ${t}?`],
  ['kid', (t) => `How would you describe ${t} to a child?`],
  ['why', (t) => `Why do people care about ${t}?`],
]

/** The shipped corpus: 60 hand-written prompts, then 200 everyday questions. */
export const corpus: readonly CorpusPrompt[] = [
  ...entries.map(([id, text, expect]) => (expect ? { id, text, expect } : { id, text })),
  ...templates.flatMap(([name, make]) =>
    topics.map((topic) => ({ id: `${name}-${topic.replace(/ /g, '-')}`, text: make(topic) })),
  ),
]

/** Finds a corpus prompt by ID. */
export function getCorpusPrompt(id: string): CorpusPrompt | undefined {
  return corpus.find((p) => p.id === id)
}
