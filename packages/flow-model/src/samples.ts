import type { FlowGraphInput, FlowLayout } from './graph';

/** "Thanks for calling. Press 1 for sales, 2 for support." with a branch per digit. */
export const salesSupportSample: { name: string; graph: FlowGraphInput; layout: FlowLayout } = {
  name: 'Sales and support',
  graph: {
    start: 'welcome',
    nodes: [
      { id: 'welcome', type: 'greet', label: 'Welcome', config: { text: 'Thanks for calling.' } },
      {
        id: 'mainMenu',
        type: 'menu',
        label: 'Main menu',
        config: {
          prompt: 'Press 1 for sales, 2 for support.',
          options: [
            { id: 'sales', digit: '1', label: 'Sales' },
            { id: 'support', digit: '2', label: 'Support' },
          ],
        },
      },
      { id: 'sales', type: 'greet', label: 'Sales', config: { text: 'You have reached sales. Our team will be with you shortly.' } },
      { id: 'support', type: 'greet', label: 'Support', config: { text: 'You have reached support. Please describe your problem after the tone.' } },
      { id: 'goodbye', type: 'hangup', label: 'Goodbye', config: { farewell: 'Thank you for calling. Goodbye.' } },
      { id: 'noChoice', type: 'hangup', label: 'No choice', config: { farewell: 'Sorry we could not help. Goodbye.' } },
    ],
    edges: [
      { from: 'welcome', exit: 'next', to: 'mainMenu' },
      { from: 'mainMenu', exit: 'sales', to: 'sales' },
      { from: 'mainMenu', exit: 'support', to: 'support' },
      { from: 'mainMenu', exit: 'noInput', to: 'noChoice' },
      { from: 'mainMenu', exit: 'noMatch', to: 'noChoice' },
      { from: 'sales', exit: 'next', to: 'goodbye' },
      { from: 'support', exit: 'next', to: 'goodbye' },
    ],
  },
  layout: {
    nodes: {
      welcome: { x: 0, y: 0 },
      mainMenu: { x: 0, y: 140 },
      sales: { x: -220, y: 320 },
      support: { x: 80, y: 320 },
      noChoice: { x: 360, y: 320 },
      goodbye: { x: -70, y: 480 },
    },
  },
};

/**
 * The appointment-booking agent of docs/tutorial-ai-agent.md: an AI agent step that collects a day
 * and a time and ends "booked", "wantsHuman" or "notEligible"; every other exit says goodbye.
 */
export const appointmentAgentSample: { name: string; graph: FlowGraphInput; layout: FlowLayout } = {
  name: 'Appointment booking agent',
  graph: {
    start: 'agent',
    nodes: [
      {
        id: 'agent',
        type: 'aiAgent',
        label: 'Booking agent',
        config: {
          instructions:
            'You book dental check-ups for Bright Smile Dental, open Monday to Friday, 9 to 5. Ask for the day and then the hour of the visit, one question at a time, in short sentences. Save each answer with set_field. When both are known, read them back and finish with booked. If the caller asks for a person, finish with wantsHuman.',
          greeting: 'Hello, this is Bright Smile Dental. Which day would you like to come in?',
          connection: { model: 'gpt-4o-mini' },
          outcomes: [
            { id: 'booked', description: 'The day and the hour are saved and the caller agreed.' },
            { id: 'wantsHuman', description: 'The caller wants to talk to a person.', requiresFields: false },
            { id: 'notEligible', description: 'The caller wants something the practice does not offer.', requiresFields: false },
          ],
          fields: [
            { name: 'day', type: 'oneOf', description: 'Weekday of the visit', choices: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'] },
            { name: 'hour', type: 'number', description: 'Hour of the visit, 9 to 17' },
          ],
        },
      },
      { id: 'confirm', type: 'hangup', label: 'Confirm', config: { farewell: 'You are booked for {{flow.day}} at {{flow.hour}}. Goodbye.' } },
      { id: 'human', type: 'hangup', label: 'Human', config: { farewell: 'Please call back during opening hours to talk to our team. Goodbye.' } },
      { id: 'sorry', type: 'hangup', label: 'Sorry', config: { farewell: 'Sorry, we could not book that. Goodbye.' } },
    ],
    edges: [
      { from: 'agent', exit: 'booked', to: 'confirm' },
      { from: 'agent', exit: 'wantsHuman', to: 'human' },
      { from: 'agent', exit: 'notEligible', to: 'sorry' },
      { from: 'agent', exit: 'noInput', to: 'sorry' },
      { from: 'agent', exit: 'maxTurns', to: 'human' },
      { from: 'agent', exit: 'error', to: 'human' },
    ],
  },
  layout: {
    nodes: {
      agent: { x: 0, y: 0 },
      confirm: { x: -330, y: 260 },
      human: { x: 0, y: 260 },
      sorry: { x: 330, y: 260 },
    },
  },
};
