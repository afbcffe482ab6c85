import {UserError} from '../../errors.js';
import type {Command} from '../registry.js';

export const command: Command = {
	name: 'keys',
	summary: '',
	help: 'Usage: eval752 keys',
	async run() {
		throw new UserError('eval752 keys is not available in this build');
	},
};
