import {Text as InkText, type TextProps} from 'ink';
import {Children, isValidElement, type ReactNode} from 'react';
import {stripTerminalControls} from '../../lib/sanitize.js';

/**
 * The dashboard's render boundary for text. Every string that reaches the screen passes through
 * here and is sanitised: names, URLs, labels, aliases, model ids, audit details, provider errors
 * and model output may hold escape sequences (a hostile provider, a tampered database or backup),
 * and none of them may move the cursor, set the title or write the clipboard. Control characters
 * are removed one by one (the headless commands' output boundary does the same), so a value that
 * ends in half a sequence cannot swallow what follows it; streamed model output has already lost
 * its sequences whole in the provider layer. Ink's own `Text` is
 * imported nowhere else in source/ui (the lint rule enforces it), so no new screen can forget.
 */
export function Text({children, ...props}: TextProps) {
	return <InkText {...props}>{clean(children)}</InkText>;
}

function clean(children: ReactNode): ReactNode {
	return Children.map(children, (child) => {
		if (typeof child === 'string') return stripTerminalControls(child).replace(/\t/g, ' ');
		if (typeof child === 'number' || typeof child === 'boolean' || child === null || child === undefined) return child;
		if (isValidElement(child)) return child;
		return stripTerminalControls(String(child));
	});
}
