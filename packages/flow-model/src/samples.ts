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
