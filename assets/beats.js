// Progress beats and the queue that carries them over a dropped link.
//
// Every beat gets its own Idempotency-Key when it is made and keeps it
// until the server has answered, so a beat the server recorded but whose
// answer was lost is recorded once however often it is sent again. The
// queue lives in memory and in localStorage (progress only: lesson ids,
// positions, seconds; never a token), so a reload or a closed tab loses
// nothing. Beats leave strictly in the order they were made; one that fails
// for the network stops the queue until the link is back (the online event,
// or a retry timer that backs off to a minute).

import { api, ApiError, isTransient, uuid } from './lib.js';

const STORE = 'sg_beats_v1';
const MAX_QUEUE = 500;
const MAX_MERGED_DELTA = 3600;
const MAX_AGE_MS = 30 * 24 * 3600 * 1000;

export const beatEvents = new EventTarget();

let memory = [];
let flushing = null;
let again = false;
let timer = null;
let backoff = 0;
let state = 'idle';
let owner = null;

function load() {
	try {
		const s = localStorage.getItem(STORE);
		memory = s ? JSON.parse(s) : [];
	} catch {
		// No storage (private mode, quota): memory alone still works.
	}
	if (!Array.isArray(memory))
		memory = [];
	return memory;
}

function save(q) {
	memory = q;
	try {
		if (q.length)
			localStorage.setItem(STORE, JSON.stringify(q));
		else
			localStorage.removeItem(STORE);
	} catch {
		// Memory keeps the beats for this page's life.
	}
}

function setState(s, detail) {
	state = s;
	beatEvents.dispatchEvent(new CustomEvent('state', { detail: { state: s,
		...detail } }));
}

export function queueState() {
	return state;
}

// Beats of this user still to be sent, oldest first.
export function pending(uid) {
	return load().filter((b) => b.uid === uid);
}

// The newest position not yet on the server for a lesson, or null.
export function pendingPosition(uid, lessonId) {
	const mine = pending(uid).filter((b) => b.lesson === lessonId);
	return mine.length ? mine[mine.length - 1].body.position : null;
}

// Queues a beat and starts sending. A beat never tried yet for the same
// lesson absorbs the new one (its key has never left this browser, so
// nothing can be counted twice); a beat that has been tried keeps its key
// and body as they were sent.
export function enqueue(uid, lessonId, beat, opts = {}) {
	const q = load().filter((b) => Date.now() - b.at < MAX_AGE_MS);
	const last = q[q.length - 1];
	const body = {
		position: Math.max(0, Math.min(1, Number(beat.position) || 0)),
		time_spent_delta: Math.max(0, Math.round(beat.time_spent_delta || 0)),
		completed: Boolean(beat.completed),
	};
	if (last && !last.tried && last.uid === uid && last.lesson === lessonId &&
	    last.body.time_spent_delta + body.time_spent_delta <=
	    MAX_MERGED_DELTA) {
		last.body.position = body.position;
		last.body.time_spent_delta += body.time_spent_delta;
		last.body.completed = last.body.completed || body.completed;
		last.at = Date.now();
	} else {
		q.push({ key: uuid(), uid, lesson: lessonId, body, at: Date.now(),
			tried: false });
		while (q.length > MAX_QUEUE)
			q.shift();
	}
	save(q);
	return flush(uid, opts);
}

function schedule(uid) {
	clearTimeout(timer);
	backoff = Math.min(backoff ? backoff * 2 : 5000, 60000);
	const wait = backoff / 2 + Math.random() * backoff / 2;
	timer = setTimeout(() => {
		timer = null;
		flush(uid);
	}, wait);
}

// Sends this user's beats in order until the queue is empty or one fails.
// A call while a flush runs joins it: the promise settles once the queue,
// with whatever was added meanwhile, is sent or stuck.
export function flush(uid, opts = {}) {
	if (!uid)
		return Promise.resolve();
	owner = uid;
	if (flushing) {
		again = true;
		return flushing;
	}
	flushing = (async () => {
		try {
			do {
				again = false;
				if (!(await drain(uid, opts)))
					return;
			} while (again);
		} finally {
			flushing = null;
		}
	})();
	return flushing;
}

async function drain(uid, opts) {
	let sent = 0;
	for (;;) {
		const q = load();
		const b = q.find((x) => x.uid === uid);
		if (!b)
			break;
		if (!b.tried) {
			// Marked before it leaves: from now on it is never merged.
			b.tried = true;
			save(q);
		}
		let result;
		try {
			result = await api.put(`/api/v1/lessons/${b.lesson}/progress`,
				b.body, { headers: { 'Idempotency-Key': b.key },
					keepalive: opts.keepalive });
		} catch (e) {
			if (!(e instanceof ApiError) || isTransient(e.status)) {
				setState('offline', { queued: pending(uid).length });
				schedule(uid);
				return false;
			}
			if (e.status === 401) {
				// Signed out: the beats wait for this user's next sign-in.
				setState('signedout');
				return false;
			}
			// Refused for good (locked, not enrolled, invalid): drop it
			// rather than block every beat behind it.
			result = null;
		}
		save(load().filter((x) => x.key !== b.key));
		sent++;
		if (result) {
			beatEvents.dispatchEvent(new CustomEvent('sent', {
				detail: { lesson: b.lesson, result } }));
		}
	}
	clearTimeout(timer);
	timer = null;
	backoff = 0;
	if (state !== 'idle' || sent > 0)
		setState('idle', { sent });
	return true;
}

window.addEventListener('online', () => {
	backoff = 0;
	if (owner)
		flush(owner);
});
