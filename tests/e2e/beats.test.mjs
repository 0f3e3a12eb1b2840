// A beat whose answer is lost: the server records it, but the page never
// hears back (the link drops between the two). The page must keep the beat,
// send it again with the same Idempotency-Key, and the server must count it
// once: one row for the key, and the lesson's time credited once.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
	launch, ready, msg, shot, scrollTo, psql, enrolledLearner, signedInPage,
	queuedBeats, EN_SLUG,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// Beats the server recorded for a user and a lesson.
function beatsRecorded(email, lesson) {
	return psql(`SELECT count(*) FROM progress_beats b
	    JOIN users u ON u.id = b.user_id
	    WHERE lower(u.email) = lower(:'email') AND b.lesson_id = :'lesson'`,
	{ email, lesson });
}

test('a beat recorded but never answered is resent with its key and counted once',
	{ timeout: 60000 }, async () => {
		const { user, outline } = await enrolledLearner(EN_SLUG);
		const lesson = outline.modules[0].lessons[0];
		const where = { email: user.email, lesson: lesson.id };

		const s = await signedInPage(browser, user.email);
		const { page } = s;
		await page.clock.install();

		// Every beat the page sends, by key, and what the first try of the
		// first beat got from the server before its answer was thrown away.
		const sent = [];
		page.on('request', (r) => {
			if (r.method() === 'PUT' && r.url().endsWith('/progress')) {
				sent.push({ key: r.headers()['idempotency-key'],
					body: JSON.parse(r.postData()) });
			}
		});
		let lost = null;
		let recorded = null;
		s.allow((e) => /ERR_FAILED/.test(e.text) && e.url.endsWith('/progress'));
		await page.route('**/api/v1/lessons/*/progress', async (route) => {
			if (lost !== null)
				return route.continue();
			lost = route.request().headers()['idempotency-key'];
			const res = await route.fetch();
			recorded = { status: res.status(), body: await res.json() };
			return route.abort();
		});

		// Set before the beat: the queue's own retry timer may beat the
		// online event to it.
		const replay = page.waitForResponse((r) => r.url().endsWith(
			`/lessons/${lesson.id}/progress`) && r.status() === 200 &&
			r.request().headers()['idempotency-key'] === lost,
		{ timeout: 45000 });

		await page.goto(`/lessons/${lesson.id}`);
		await ready(page);
		await page.locator('.lesson-body').waitFor();
		// Time stands still but for the test: the heartbeat comes when it
		// says, and the queue's retry timer not at all.
		await page.clock.pauseAt(Date.now() + 1000);
		await scrollTo(page, 0.4);
		await page.clock.fastForward(15000);
		await page.locator('.save-status[data-state="offline"]')
			.getByText(msg('en', 'lesson.offline')).waitFor();
		await shot(page, 'beat-answer-lost');

		// The server has it; the page does not know and keeps it.
		assert.ok(lost, 'a beat was sent');
		assert.equal(recorded.status, 200, JSON.stringify(recorded.body));
		assert.equal(psql(`SELECT count(*) FROM progress_beats b
		    JOIN users u ON u.id = b.user_id
		    WHERE lower(u.email) = lower(:'email') AND b.key = :'key'`,
		{ ...where, key: lost }), '1');
		const q = await queuedBeats(page);
		assert.equal(q.length, 1, JSON.stringify(q));
		assert.equal(q[0].key, lost);
		assert.equal(q[0].tried, true);
		const delta = q[0].body.time_spent_delta;
		assert.ok(delta >= 15, `${delta} s of reading`);

		// The link is back: the same key goes again, and the answer is the
		// first one, replayed.
		await page.evaluate(() => window.dispatchEvent(new Event('online')));
		const res = await replay;
		assert.equal(res.status(), 200);
		assert.deepEqual(await res.json(), recorded.body);
		await page.locator('.save-status').getByText(msg('en',
			'lesson.backOnline')).waitFor();
		assert.deepEqual(await queuedBeats(page), [], 'the queue is empty');

		const tries = sent.filter((b) => b.key === lost);
		assert.equal(tries.length, 2, 'sent twice');
		assert.deepEqual(tries[1].body, tries[0].body, 'the same beat');
		assert.deepEqual([...new Set(sent.map((b) => b.key))], [lost],
			'no other beat was made');

		// The database counted it once.
		assert.equal(beatsRecorded(user.email, lesson.id), '1',
			'one beat recorded for the lesson');
		const [time, position] = psql(`SELECT lp.time_spent, lp.position
		    FROM lesson_progress lp
		    JOIN enrollments e ON e.id = lp.enrollment_id
		    JOIN users u ON u.id = e.user_id
		    WHERE lower(u.email) = lower(:'email') AND lp.lesson_id = :'lesson'`,
		where).split('|');
		assert.equal(Number(time), delta, 'the reading time counted once');
		assert.ok(Math.abs(Number(position) - q[0].body.position) < 1e-3);
		s.assertClean();
		await s.close();
	});

// Signing out from the reader: its last beat is sent while the session
// still works, not raced by the logout (which would answer it 401).
test('signing out from a lesson sends its last beat first', { timeout: 60000 },
	async () => {
		const { user, outline } = await enrolledLearner(EN_SLUG);
		const lesson = outline.modules[0].lessons[1];

		const s = await signedInPage(browser, user.email);
		const { page } = s;
		await page.goto(`/lessons/${lesson.id}`);
		await ready(page);
		await page.locator('.lesson-body').waitFor();

		// A slow link: each beat takes a while to reach the server.
		const order = [];
		await page.route('**/api/v1/lessons/*/progress', async (route) => {
			order.push(`beat sent ${route.request().postData()}`);
			await new Promise((ok) => setTimeout(ok, 800));
			const res = await route.fetch();
			order.push(`beat answered ${res.status()}`);
			return route.fulfill({ response: res });
		});
		page.on('request', (r) => {
			if (r.url().endsWith('/api/v1/auth/logout'))
				order.push('logout');
		});

		// (Opening the menu scrolls back to the header: the last beat says
		// position 0, which is fine; what matters is that it arrives.)
		await scrollTo(page, 0.3);
		await page.getByRole('button', {
			name: new RegExp(msg('en', 'nav.signedInAs')) }).click();
		await page.getByRole('button', { name: msg('en', 'nav.signout') })
			.click();
		await page.getByRole('link', { name: msg('en', 'nav.signin'),
			exact: true }).waitFor();

		assert.ok(order.includes('logout'), order.join(', '));
		const last = order.lastIndexOf('beat answered 200');
		assert.ok(last !== -1 && last < order.indexOf('logout'),
			`the beat was answered before the logout: ${order.join(', ')}`);
		assert.ok(!order.some((o) => /answered 401/.test(o)), order.join(', '));
		// Every beat the page sent reached the server and was recorded.
		const answered = order.filter((o) => o === 'beat answered 200').length;
		assert.equal(beatsRecorded(user.email, lesson.id), String(answered));
		assert.equal((await queuedBeats(page)).length, 0, 'nothing left queued');
		s.assertClean();
		await s.close();
	});
