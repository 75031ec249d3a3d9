/** bench/online-ratios.ts refuses bad arguments with one line and exit 2, before it measures anything. */
import { testArgumentRefusals } from '../support/bench-scripts.js';

testArgumentRefusals('online-ratios', [
  [['--kinds', 'uoro,rtrl'], /--kinds takes tbptt, uoro, nbt, got uoro,rtrl/],
  [['--hidden', '0'], /--hidden takes positive integers/],
  [['--dtypes', 'float16'], /--dtypes takes float64 and\/or float32/],
  [['--repeat', '0'], /--repeat takes a positive integer/],
]);
