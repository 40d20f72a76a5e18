// Jest global teardown: removes the run's temporary directory (see temp-dir-setup.js).
const fs = require("fs");

module.exports = async function teardown() {
  const dir = process.env.TREEPLI_JEST_TMPDIR;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
};
