// Streams whose events arrive apart, as tokens from a model: the fake upstream sends each of its
// stream's events in its own write, DRIP.ms apart, when the request carries "user":"bench-drip".
export const DRIP = { ms: 5, events: 22, connections: 100, user: 'bench-drip' };
