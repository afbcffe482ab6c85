import {Box, useInput} from 'ink';
import {useState} from 'react';
import {resolve} from '../keymap.js';
import {useModalSize, useTicker} from '../ui-context.js';
import {useHold} from '../input/input-target.js';
import type {Theme} from '../theme.js';
import {fieldErrors, type FormConflict, type SubmitOutcome} from './form-outcome.js';

export type {FormConflict, SubmitOutcome} from './form-outcome.js';
import {SelectList} from './SelectList.js';
import {Text} from './Text.js';
import {TextInput} from './TextInput.js';

export type FieldSpec =
	| {readonly kind: 'text'; readonly name: string; readonly label: string; readonly mask?: boolean; readonly placeholder?: string}
	/** One of several options; when focused a list (↑/↓ choose), otherwise one line. */
	| {readonly kind: 'choice'; readonly name: string; readonly label: string; readonly options: readonly {value: string; label: string}[]}
	/** Any of several options; when focused a list (↑/↓ move, Space toggles). */
	| {readonly kind: 'flags'; readonly name: string; readonly label: string; readonly options: readonly {value: string; label: string}[]};

export type FormValues = Record<string, string | readonly string[]>;


export interface FormProps {
	readonly title: string;
	readonly fields: readonly FieldSpec[];
	/** The values when the form opened; what differs from them is what the operator changed. */
	readonly initial: FormValues;
	readonly theme: Theme;
	/** Defaults to the width of the dialog area. */
	readonly width?: number;
	/**
	 * Saves. `changed` names the fields that differ from `initial` (only those are sent);
	 * `over` is the conflict the operator, having read who changed what, chose to save over.
	 */
	readonly onSubmit: (values: FormValues, changed: readonly string[], over: FormConflict | undefined) => Promise<SubmitOutcome>;
	readonly onCancel: () => void;
	/** Lets a form react to a change, e.g. choosing a family fills its base URL. */
	readonly onChange?: (name: string, values: FormValues) => FormValues;
	readonly note?: string;
	/** Rows of a focused choice list. */
	readonly listRows?: number;
}

function same(a: string | readonly string[] | undefined, b: string | readonly string[] | undefined): boolean {
	if (Array.isArray(a) || Array.isArray(b)) return [...((a as readonly string[]) ?? [])].sort().join('\u0000') === [...((b as readonly string[]) ?? [])].sort().join('\u0000');
	return (a ?? '') === (b ?? '');
}

export function changedFields(initial: FormValues, values: FormValues): string[] {
	return Object.keys(values).filter((name) => !same(initial[name], values[name]));
}

/**
 * A keyboard form over the stock inputs: Tab and S-Tab move between fields (↑/↓ too on a text
 * field), a choice or flags field is a list while focused, Space toggles a flag, Enter saves, Esc
 * cancels. What was typed is kept when saving fails. The form holds the values it opened with: a
 * live refresh showing another operator's newer row never changes what this form sends, and a
 * save that meets a newer row says who changed what and waits for Enter (save over it) or Esc.
 */
export function Form({title, fields, initial, theme, width: givenWidth, onSubmit, onCancel, onChange, note, listRows = 5}: FormProps) {
	const [values, setValues] = useState<FormValues>(initial);
	const [active, setActive] = useState(0);
	const [flagCursor, setFlagCursor] = useState(0);
	const [errors, setErrors] = useState<Record<string, string>>({});
	const [conflict, setConflict] = useState<FormConflict | null>(null);
	const now = useTicker(1000, conflict !== null);
	const [saving, setSaving] = useState(false);
	const field = fields[active]!;
	const modal = useModalSize();
	const width = givenWidth ?? modal.width;
	// Keys typed ahead of a save go to the screen the save leads to (or back to this form).
	useHold(saving);

	const update = (name: string, value: string | readonly string[]) => {
		setValues((previous) => {
			const next = {...previous, [name]: value};
			return onChange ? onChange(name, next) : next;
		});
	};

	const submit = () => {
		if (saving) return;
		setSaving(true);
		onSubmit(values, changedFields(initial, values), conflict ?? undefined).then(
			(outcome) => {
				setSaving(false);
				if (!outcome) return;
				if ('conflict' in outcome) {
					setErrors({});
					setConflict(outcome.conflict);
				} else {
					setErrors(outcome.errors);
					setConflict(null);
				}
			},
			(error: unknown) => {
				setSaving(false);
				setErrors(fieldErrors(error));
			},
		);
	};

	const move = (step: 1 | -1) => {
		setActive((index) => (index + step + fields.length) % fields.length);
		setFlagCursor(0);
	};

	useInput((input, key) => {
		const b = resolve(input, key, ['form']);
		if (!b) return;
		const onList = field.kind !== 'text';
		switch (b.id) {
			case 'cancel':
				return onCancel();
			case 'save':
				return submit();
			case 'fieldNext':
			case 'fieldPrev':
				// On a list field ↑/↓ choose; Tab and S-Tab always move between fields.
				if (onList && !key.tab) return;
				return move(b.id === 'fieldNext' ? 1 : -1);
			case 'flagToggle':
				if (field.kind !== 'flags') return;
				{
					const on = new Set((values[field.name] as readonly string[] | undefined) ?? []);
					const option = field.options[flagCursor]!.value;
					if (on.has(option)) on.delete(option);
					else on.add(option);
					update(
						field.name,
						field.options.map((o) => o.value).filter((v) => on.has(v)),
					);
				}
				return;
			default:
				return;
		}
	});

	const labelWidth = Math.max(...fields.map((f) => f.label.length)) + 1;
	const valueWidth = Math.max(10, width - labelWidth - 8);
	return (
		<Box flexDirection="column" borderStyle="round" borderColor={conflict ? theme.warn : theme.accent} paddingX={1} width={width}>
			<Text bold wrap="truncate">
				{title}
			</Text>
			{fields.map((f, index) => {
				const focused = index === active;
				const error = errors[f.name];
				return (
					<Box key={f.name} flexDirection="column">
						<Box>
							<Box flexShrink={0} width={labelWidth + 2}>
								<Text color={focused ? theme.accent : undefined} bold={focused} wrap="truncate">
									{focused ? '›' : ' '} {f.label}
								</Text>
							</Box>
							<Box width={valueWidth} flexDirection="column">
								{f.kind === 'text' ? (
									<TextInput value={(values[f.name] as string | undefined) ?? ''} onChange={(value) => update(f.name, value)} focus={focused} mask={f.mask} placeholder={f.placeholder} theme={theme} />
								) : f.kind === 'choice' ? (
									focused ? (
										<SelectList items={f.options} focus initial={values[f.name] as string} limit={listRows} theme={theme} onHighlight={(value) => update(f.name, value)} />
									) : (
										<Text wrap="truncate">{f.options.find((o) => o.value === values[f.name])?.label ?? '—'}</Text>
									)
								) : focused ? (
									<SelectList
										items={f.options.map((o) => ({value: o.value, label: `[${((values[f.name] as readonly string[] | undefined) ?? []).includes(o.value) ? 'x' : ' '}] ${o.label}`}))}
										focus
										limit={f.options.length}
										theme={theme}
										onHighlight={(value) => setFlagCursor(Math.max(0, f.options.findIndex((o) => o.value === value)))}
									/>
								) : (
									<Text wrap="wrap">
										{f.options
											.filter((o) => ((values[f.name] as readonly string[] | undefined) ?? []).includes(o.value))
											.map((o) => o.label)
											.join(', ') || 'none'}
									</Text>
								)}
							</Box>
						</Box>
						{error ? (
							<Text color={theme.error} wrap="wrap">
								{' '.repeat(labelWidth + 2)}✕ {error}
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
			{conflict ? (
				<Text color={theme.warn} wrap="wrap">
					⚠ {conflict.describe(now)} — nothing was saved. Enter saves your values over theirs, Esc discards yours
				</Text>
			) : null}
			<Text color={theme.muted} wrap="wrap">
				{saving ? 'Saving…' : (note ?? 'Enter save · Esc cancel · Tab next field')}
				{!saving && field.kind === 'choice' ? ' · ↑/↓ choose' : ''}
				{!saving && field.kind === 'flags' ? ' · ↑/↓ move · Space on/off' : ''}
			</Text>
		</Box>
	);
}
