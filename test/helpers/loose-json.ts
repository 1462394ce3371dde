// Parsed JSON or YAML that a test reads and edits at arbitrary depth (a saved model damaged on purpose, a manifest, a
// handler's response). Typing each path would restate the file format in every test, so this one type stays loose.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the one deliberate escape hatch, for tests only
export type LooseJson = any;
