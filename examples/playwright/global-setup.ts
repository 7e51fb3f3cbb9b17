// Puts the demo back in its first state once, before any worker starts.
import { resetDemo } from './tests/demo';

export default async () => {
  await resetDemo();
};
