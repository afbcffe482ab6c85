import {UserError} from '../../errors.js';
import type {Command} from '../registry.js';

export const command: Command = {
	name: 'settings',
	summary: '',
	help: 'Usage: eval752 settings',
	async run() {
		throw new UserError('eval752 settings is not available in this build');
	},
};
