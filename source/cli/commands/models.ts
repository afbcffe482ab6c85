import {UserError} from '../../errors.js';
import type {Command} from '../registry.js';

export const command: Command = {
	name: 'models',
	summary: '',
	help: 'Usage: eval752 models',
	async run() {
		throw new UserError('eval752 models is not available in this build');
	},
};
