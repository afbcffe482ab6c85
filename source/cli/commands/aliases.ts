import {UserError} from '../../errors.js';
import type {Command} from '../registry.js';

export const command: Command = {
	name: 'aliases',
	summary: '',
	help: 'Usage: eval752 aliases',
	async run() {
		throw new UserError('eval752 aliases is not available in this build');
	},
};
