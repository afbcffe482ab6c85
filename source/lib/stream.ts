/**
 * Every long operation that streams — a smoke test, a rotation's validation, an alias
 * comparison — is an `AsyncGenerator<Event, Outcome>`: events while it runs, what it stored as
 * its return value. `consume` drives one with a callback per event and resolves to the outcome
 * (which `for await` drops). A callback that throws closes the stream before the error goes on.
 */
export async function consume<E, O>(stream: AsyncGenerator<E, O>, onEvent: (event: E) => void): Promise<O> {
	for (;;) {
		const next = await stream.next();
		if (next.done) return next.value;
		try {
			onEvent(next.value);
		} catch (error) {
			await stream.return(undefined as never).catch(() => undefined);
			throw error;
		}
	}
}
