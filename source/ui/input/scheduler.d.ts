/** React's scheduler (the single copy react-reconciler uses); only what the paced input needs. */
declare module 'scheduler' {
	export const unstable_IdlePriority: number;
	export function unstable_scheduleCallback(priority: number, callback: () => void): unknown;
}
