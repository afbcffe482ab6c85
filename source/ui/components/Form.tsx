import {Box, Text} from 'ink';
import {useKeys} from '../keys.js';
import {TextField} from './TextField.js';
import {useRef, useState} from 'react';
import type {Theme} from '../theme.js';

export type FieldSpec =
	| {readonly kind: 'text'; readonly name: string; readonly label: string; readonly mask?: boolean; readonly placeholder?: string}
	| {readonly kind: 'select'; readonly name: string; readonly label: string; readonly options: readonly {value: string; label: string}[]}
	| {readonly kind: 'flags'; readonly name: string; readonly label: string; readonly options: readonly {value: string; label: string}[]};

export type FormValues = Record<string, string | readonly string[]>;

export interface FormProps {
	readonly title: string;
	readonly fields: readonly FieldSpec[];
	readonly initial: FormValues;
	readonly theme: Theme;
	readonly width: number;
	/** Resolves to field errors (shown beside the fields, values kept) or undefined on success. */
	readonly onSubmit: (values: FormValues) => Promise<Record<string, string> | undefined>;
	readonly onCancel: () => void;
	/** Lets a form react to a change, e.g. choosing a family fills its base URL. */
	readonly onChange?: (name: string, values: FormValues) => FormValues;
	readonly note?: string;
}

/**
 * A keyboard form: Tab/↓ and S-Tab/↑ move between fields, ←/→ change a choice, Space toggles a
 * flag, Enter saves, Esc cancels. What was typed is kept when saving fails.
 */
export function Form({title, fields, initial, theme, width, onSubmit, onCancel, onChange, note}: FormProps) {
	const [values, setValues] = useState<FormValues>(initial);
	const [active, setActive] = useState(0);
	const [flagCursor, setFlagCursor] = useState(0);
	const [errors, setErrors] = useState<Record<string, string>>({});
	const [saving, setSaving] = useState(false);
	const field = fields[active]!;
	// Ink re-subscribes input handlers after each render, so a key may reach the handler of the
	// previous render: read the current field, cursor and values from refs.
	const current = useRef({active, flagCursor, values});
	current.current = {active, flagCursor, values};

	const update = (name: string, value: string | readonly string[]) => {
		setValues((previous) => {
			const next = {...previous, [name]: value};
			const changed = onChange ? onChange(name, next) : next;
			current.current = {...current.current, values: changed};
			return changed;
		});
	};

	const submit = () => {
		if (saving) return;
		setSaving(true);
		onSubmit(values).then(
			(fieldErrors) => {
				setSaving(false);
				if (fieldErrors) setErrors(fieldErrors);
			},
			(error: unknown) => {
				setSaving(false);
				setErrors({_form: error instanceof Error ? error.message : String(error)});
			},
		);
	};

	useKeys((input, key) => {
		if (key.escape) return onCancel();
		if (key.return) return submit();
		if ((key.tab && !key.shift) || key.downArrow || (key.tab && key.shift) || key.upArrow) {
			const step = (key.tab && !key.shift) || key.downArrow ? 1 : -1;
			const next = (current.current.active + step + fields.length) % fields.length;
			current.current = {...current.current, active: next, flagCursor: 0};
			setActive(next);
			setFlagCursor(0);
			return;
		}
		const field = fields[current.current.active]!;
		const values = current.current.values;
		const flagCursor = current.current.flagCursor;
		if (field.kind === 'select' && (key.leftArrow || key.rightArrow || input === ' ')) {
			const index = field.options.findIndex((o) => o.value === values[field.name]);
			const step = key.leftArrow ? -1 : 1;
			update(field.name, field.options[(index + step + field.options.length) % field.options.length]!.value);
		}
		if (field.kind === 'flags') {
			if (key.leftArrow || key.rightArrow) {
				const next = key.leftArrow ? Math.max(0, flagCursor - 1) : Math.min(field.options.length - 1, flagCursor + 1);
				current.current = {...current.current, flagCursor: next};
				setFlagCursor(next);
			}
			if (input === ' ') {
				const current = new Set((values[field.name] as readonly string[] | undefined) ?? []);
				const option = field.options[flagCursor]!.value;
				if (current.has(option)) current.delete(option);
				else current.add(option);
				update(field.name, field.options.map((o) => o.value).filter((v) => current.has(v)));
			}
		}
	});

	const labelWidth = Math.max(...fields.map((f) => f.label.length)) + 2;
	return (
		<Box flexDirection="column" borderStyle="round" borderColor={theme.accent} paddingX={1} width={width}>
			<Text bold>{title}</Text>
			{fields.map((f, index) => {
				const focused = index === active;
				const error = errors[f.name];
				return (
					<Box key={f.name} flexDirection="column">
						<Box>
							<Box flexShrink={0} width={labelWidth + 2}>
							<Text color={focused ? theme.accent : undefined} bold={focused} wrap="truncate">
								{focused ? '›' : ' '} {f.label.padEnd(labelWidth)}
							</Text>
							</Box>
							{f.kind === 'text' ? (
								<TextField
									value={(values[f.name] as string | undefined) ?? ''}
									onChange={(value) => update(f.name, value)}
									focus={focused}
									mask={f.mask ? '•' : undefined}
									placeholder={f.placeholder}
								/>
							) : f.kind === 'select' ? (
								<Text>
									{'‹ '}
									{f.options.find((o) => o.value === values[f.name])?.label ?? '—'}
									{' ›'}
								</Text>
							) : (
								<Box flexWrap="wrap" flexGrow={1}>
									{f.options.map((o, i) => {
										const on = ((values[f.name] as readonly string[] | undefined) ?? []).includes(o.value);
										const cursor = focused && i === flagCursor;
										return (
											<Text key={o.value} inverse={cursor} color={on ? theme.ok : undefined}>
												[{on ? 'x' : ' '}] {o.label}{' '}
											</Text>
										);
									})}
								</Box>
							)}
						</Box>
						{error ? (
							<Text color={theme.error} wrap="truncate">
								{'  '}
								{' '.repeat(labelWidth)}✕ {error}
							</Text>
						) : null}
					</Box>
				);
			})}
			{errors['_form'] ? (
				<Text color={theme.error} wrap="wrap">
					✕ {errors['_form']}
				</Text>
			) : null}
			<Text color={theme.muted} wrap="truncate">
				{saving ? 'Saving…' : (note ?? 'Enter save · Esc cancel · Tab/↑↓ field · ←/→ choose · Space toggle')}
			</Text>
		</Box>
	);
}
