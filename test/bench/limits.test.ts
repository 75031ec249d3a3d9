/** bench/limits.ts refuses bad arguments with one line and exit 2, before it measures anything. */
import { testArgumentRefusals } from '../support/bench-scripts.js';

testArgumentRefusals('limits', [
  [['W9'], /usage: limits\.js/],
  [['W1', 'float16'], /dtype must be float32 or float64, not float16/],
  [['W1', '--rounds', '0'], /--rounds needs a positive integer/],
  [['product', 'ba', '1', '2', '3'], /product needs ab, abt or atb/],
  [['product', 'ab', '0', '2', '3'], /m, n and k must be positive integers/],
]);
