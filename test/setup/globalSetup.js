'use strict';
/**
 * jest globalSetup of the integration project: bring its WordPress lab up (idempotent; fast when already up). Tests
 * read it with lab.sites(). WordPress 6.1 under php -S unless HUS_LAB_WP / HUS_LAB_SERVER say otherwise.
 */
const { classicLab, upLab } = require('../../lab/harness/labs');

module.exports = async function globalSetup() {
	await upLab(classicLab());
};
