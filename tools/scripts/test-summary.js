// Prints jest's totals as one plain line ("N passed, N failed, N skipped") for CI to read.
const { readFileSync } = require('node:fs');
const results = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const skipped = results.numPendingTests + results.numTodoTests;
console.log(
  `tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped`,
);
if (results.numTotalTests === 0) {
  console.error('tests: no test ran');
  process.exit(1);
}
