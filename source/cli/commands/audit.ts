import {UserError} from '../../errors.js';
import type {Command} from '../registry.js';

export const command: Command = {
	name: 'audit',
	summary: '',
	help: 'Usage: eval752 audit',
	async run() {
		throw new UserError('eval752 audit is not available in this build');
	},
};
