import {describe, expect, it} from 'vitest';
import {Form, type FormValues} from '../../source/ui/components/Form.js';
import {SelectList} from '../../source/ui/components/SelectList.js';
import {createTheme} from '../../source/ui/theme.js';
import {renderComponent} from '../render.js';

// Components on their own (no database, no dashboard): the same paced keys, in one read.
const theme = createTheme(true);
const fields = [
	{kind: 'text', name: 'name', label: 'Name'},
	{kind: 'text', name: 'key', label: 'API key', mask: true},
] as const;

describe('a form on its own', () => {
	it('a burst of name, Tab, key and Enter in one read saves both fields, sends only what changed, and never shows the key', async () => {
		const saved: {values: FormValues; changed: readonly string[]}[] = [];
		const screen = await renderComponent(
			<Form title="New thing" fields={fields} initial={{name: '', key: ''}} theme={theme} width={70} onSubmit={async (values, changed) => void saved.push({values, changed})} onCancel={() => undefined} />,
		);
		try {
			await screen.burst('peer-a', 'tab', 'sk-secret-123456', 'enter');
			expect(saved).toEqual([{values: {name: 'peer-a', key: 'sk-secret-123456'}, changed: ['name', 'key']}]);
			expect(screen.raw()).not.toContain('sk-secret-123456');
		} finally {
			screen.unmount();
		}
	});

	it('the masked field shows the same •••••••• for a short and a long key: neither the key, its length, nor more than a stored hint', async () => {
		for (const secret of ['sk-a1b2c3d4e5', `sk-proj-${'Q3x9LmN7pR2tV8wY4zA1'.repeat(3)}`]) {
			const saved: FormValues[] = [];
			const screen = await renderComponent(
				<Form title="New thing" fields={fields} initial={{name: '', key: ''}} theme={theme} width={70} onSubmit={async (values) => void saved.push(values)} onCancel={() => undefined} />,
			);
			try {
				await screen.burst('peer-a', 'tab', secret);
				const frame = await screen.waitFor(/•{8} +entered/);
				const keyLine = frame.split('\n').find((line) => line.includes('API key'))!;
				expect(keyLine.match(/•/g), secret).toHaveLength(8);
				expect(keyLine, secret).not.toMatch(/\d/);
				for (let index = 0; index + 4 <= secret.length; index++) expect(screen.raw(), secret).not.toContain(secret.slice(index, index + 4));
				await screen.burst('enter');
				expect(saved).toEqual([{name: 'peer-a', key: secret}]);
			} finally {
				screen.unmount();
			}
		}
	});

	it('a refused save keeps the form open with the field’s error next to it; Ctrl+U clears the field', async () => {
		const screen = await renderComponent(
			<Form
				title="New thing"
				fields={fields}
				initial={{name: '', key: ''}}
				theme={theme}
				width={70}
				onSubmit={async (values) => (values['name'] === 'bad name' ? {errors: {name: 'a name is letters, digits and - only'}} : undefined)}
				onCancel={() => undefined}
			/>,
		);
		try {
			await screen.burst('bad name', 'enter');
			expect(await screen.waitFor('letters, digits and - only')).toContain('bad name');
			await screen.burst('ctrl-u');
			expect(screen.frame()).not.toContain('bad name');
		} finally {
			screen.unmount();
		}
	});
});

describe('a pick list on its own', () => {
	const items = ['gpt-a', 'gpt-b', 'gpt-c'].map((value) => ({label: value, value}));

	it('moves stop at the last item, the counter says where, Enter picks the highlighted one', async () => {
		const picked: string[] = [];
		const screen = await renderComponent(<SelectList items={items} focus theme={theme} onSelect={(value) => picked.push(value)} />);
		try {
			await screen.burst('j', 'j', 'j', 'j', 'j', 'enter');
			expect(picked).toEqual(['gpt-c']);
			expect(screen.frame()).toContain('3 of 3');
		} finally {
			screen.unmount();
		}
	});

	it('an empty list says so and Enter does nothing', async () => {
		const picked: string[] = [];
		const screen = await renderComponent(<SelectList items={[]} focus theme={theme} empty="No models yet." onSelect={(value) => picked.push(value)} />);
		try {
			await screen.burst('enter', 'j', 'enter');
			expect(screen.frame()).toContain('No models yet.');
			expect(picked).toEqual([]);
		} finally {
			screen.unmount();
		}
	});
});
