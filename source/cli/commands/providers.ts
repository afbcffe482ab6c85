import {UserError} from '../../errors.js';
import type {Command} from '../registry.js';

export const command: Command = {
	name: 'providers',
	summary: '',
	help: 'Usage: eval752 providers',
	async run() {
		throw new UserError('eval752 providers is not available in this build');
	},
};
