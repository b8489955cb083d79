'use strict';
/** jest globalSetup: bring the WordPress lab up (idempotent; fast when already up). Tests read it with lab.sites(). */
const lab = require('../../lab/lab');

module.exports = async function globalSetup() {
  const count = Number(process.env.HUS_LAB_SITES || 3);
  await lab.up({ count });
};
