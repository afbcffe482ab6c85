import {UserError} from '../../errors.js';
import type {Command} from '../registry.js';

export const command: Command = {
	name: 'restore',
	summary: '',
	help: 'Usage: eval752 restore',
	async run() {
		throw new UserError('eval752 restore is not available in this build');
	},
};
