import {UserError} from '../../errors.js';
import type {Command} from '../registry.js';

export const command: Command = {
	name: 'compare',
	summary: '',
	help: 'Usage: eval752 compare',
	async run() {
		throw new UserError('eval752 compare is not available in this build');
	},
};
