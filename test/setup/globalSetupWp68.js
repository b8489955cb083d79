'use strict';
/**
 * jest globalSetup of the integration-wp68 project: its own lab (lab/harness/labs.js), WordPress 6.8 on sites 1–3 and
 * 6.1 on site 4, all under nginx + PHP-FPM. The first run downloads WordPress 6.8.7 (lab/wordpress.js).
 */
const { modernLab, upLab } = require('../../lab/harness/labs');

module.exports = async function globalSetup() {
	await upLab(modernLab());
};
