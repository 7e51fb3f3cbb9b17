// Puts the demo back once every worker is done, so the next run (or person) starts clean.
import { resetDemo } from './tests/demo';

export default async () => {
  await resetDemo();
};
