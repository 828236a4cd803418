/** The event map the pubsub tests use. */
export type TestEvents = {
  order: { n: number };
  other: { n: number };
  marker: { m: string };
  ping: { n: number };
  pong: { n: number };
};
