// Checks on the page sources themselves, without a browser: the message
// catalogs agree and cover every key the code uses, the HTML has nothing
// inline, the JavaScript has one HTML sink and stores no secret, and every
// asset is served by src/pages.c under a basename kodev can compile.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ROOT, messages, shellWords } from './helpers.mjs';

const ASSETS = path.join(ROOT, 'assets');

function files(dir) {
	return readdirSync(dir).flatMap((f) => {
		const p = path.join(dir, f);
		return statSync(p).isDirectory() ? files(p) : [p];
	});
}

const all = files(ASSETS);
const scripts = all.filter((f) => f.endsWith('.js'));
const read = (f) => readFileSync(f, 'utf8');

for (const [enName, esName] of [['en', 'es'], ['staff.en', 'staff.es']])
test(`the ${enName} and ${esName} catalogs have the same messages`, () => {
	const en = messages(enName);
	const es = messages(esName);
	assert.deepEqual(Object.keys(es).sort(), Object.keys(en).sort());
	for (const [k, v] of Object.entries(en)) {
		assert.equal(typeof es[k], typeof v, k);
		if (typeof v === 'object')
			assert.deepEqual(Object.keys(es[k]).sort(), Object.keys(v).sort(), k);
		for (const m of [v, es[k]].flatMap((x) => typeof x === 'object' ?
			Object.values(x) : [x])) {
			assert.ok(m.trim().length > 0, `${k} is empty`);
			const slots = (s) => (s.match(/\{\w+\}/g) || []).sort();
			assert.deepEqual(slots(m), slots(typeof v === 'object' ? v.other : v),
				`${k} keeps its {slots}`);
		}
	}
});

test('every message the code asks for exists', () => {
	const en = messages('en');
	const staff = messages('staff.en');
	const used = new Set();
	for (const f of scripts) {
		// The staff pages read the staff catalog too; learner pages
		// only their own, which is all a learner downloads.
		const isStaff = path.basename(f).startsWith('staff');
		for (const m of read(f).matchAll(/\bt\('([\w.]+)'/g)) {
			used.add(m[1]);
			assert.ok(m[1] in en || (isStaff && m[1] in staff),
				`${path.basename(f)}: ${m[1]} is in no catalog it loads`);
		}
	}
	assert.ok(used.size > 50);
	for (const k of Object.keys(staff))
		assert.ok(!(k in en), `${k} is in both en.json and staff.en.json`);
	for (const k of ['draft', 'published', 'archived'])
		assert.ok(`staff.status.${k}` in staff, k);
	for (const k of ['learner', 'instructor', 'admin'])
		assert.ok(`staff.role.${k}` in staff, k);
	for (const k of ['enrolled', 'already_enrolled', 'not_open', 'closed',
		'full', 'bad_row', 'unknown_email', 'unknown_course'])
		assert.ok(`staff.import.result.${k}` in staff, k);
	for (const k of ['publish', 'unpublish'])
		assert.ok(`staff.course.${k}ed` in staff && `staff.error.${k}` in staff, k);
	// Every package problem docs/module-package.md lists has its words.
	const doc = read(path.join(ROOT, 'docs', 'module-package.md'));
	const table = doc.slice(doc.indexOf('| code | what |'));
	const codes = [...table.matchAll(/^\| (.*?) \|/gm)].flatMap((m) =>
		[...m[1].matchAll(/`(\w+)`/g)].map((c) => c[1]));
	assert.ok(codes.length > 20);
	for (const c of codes)
		assert.ok(`staff.problem.${c}` in staff, `staff.problem.${c}`);
	for (const p of ['law_enforcement', 'education', 'health', 'social_work',
		'ngo', 'legal', 'other'])
		assert.ok(`profession.${p}` in en, p);
	for (const st of ['locked', 'not_started', 'in_progress', 'completed'])
		assert.ok(`lesson.status.${st}` in en, st);
	// The quiz pages' words chosen by a value the API gives.
	for (const k of ['correct', 'partial', 'incorrect', 'unanswered'])
		assert.ok(`quiz.state.${k}` in en, k);
	for (const k of ['highest', 'average', 'first', 'last'])
		assert.ok(`quiz.grading.${k}` in en, k);
	for (const k of ['score_only', 'after_passing', 'after_last_attempt'])
		assert.ok(`quiz.policy.${k}` in en, k);
	for (const k of ['attempts_exhausted', 'attempt_delay', 'lesson_locked',
		'other'])
		assert.ok(`quiz.cannot.${k}` in en, k);
	for (const k of ['moveUp', 'moveDown'])
		assert.ok(`quiz.${k}Short` in en, k);
	for (const f of ['email', 'password', 'display_name', 'country',
		'profession', 'organisation', 'language'])
		assert.ok(`error.field.${f}` in en, f);
});

test('the HTML shells have no inline script, style or handler', () => {
	for (const f of all.filter((x) => x.endsWith('.html'))) {
		const html = read(f);
		assert.match(html, /<html lang="%LANG%">/, f);
		for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
			assert.match(m[1], /\bsrc=/, `${f}: inline script`);
			assert.equal(m[2].trim(), '', `${f}: inline script`);
		}
		assert.doesNotMatch(html, /<style|\sstyle=/i, `${f}: inline style`);
		assert.doesNotMatch(html, /\son[a-z]+=/i, `${f}: handler attribute`);
		assert.doesNotMatch(html, /javascript:/i, f);
	}
});

test('the HTML shells take every word from the message catalogs', () => {
	const en = messages('en');
	const es = messages('es');
	for (const f of all.filter((x) => x.endsWith('.html'))) {
		const html = read(f).replace(/<svg[\s\S]*?<\/svg>/g, '');
		const marks = [...html.matchAll(/%t:([\w.]+)%/g)].map((m) => m[1]);
		assert.ok(marks.length >= 4, f);
		for (const k of marks) {
			assert.equal(typeof en[k], 'string', `${f}: ${k} in en.json`);
			assert.equal(typeof es[k], 'string', `${f}: ${k} in es.json`);
		}
		// Text a browser shows before the scripts run, the title and the
		// description.
		const words = shellWords(read(f), { withTitle: true });
		for (const w of words) {
			assert.ok(/^%t:[\w.]+%$/.test(w) || w === 'Safeguard Learn',
				`${f}: "${w}" is not from a catalog`);
		}
	}
});

test('one HTML sink (the lesson body), no eval, no secret in storage', () => {
	let sinks = 0;
	for (const f of scripts) {
		const js = read(f);
		const n = (js.match(/\.innerHTML\s*=/g) || []).length;
		if (n)
			assert.equal(path.basename(f), 'lesson.js', `${f} sets innerHTML`);
		sinks += n;
		assert.doesNotMatch(js, /\beval\(|new Function|document\.write|insertAdjacentHTML|outerHTML\s*=/,
			f);
		assert.doesNotMatch(js, /setAttribute\(\s*['"]on/, f);
		assert.doesNotMatch(js, /sessionStorage/, f);
		for (const m of js.matchAll(/localStorage\.setItem\(\s*([^,]+),/g))
			assert.match(m[1], /STORE|'sg_refreshed_at'/, `${f}: ${m[1]}`);
	}
	assert.equal(sinks, 1);
});

test('every asset is served, under a unique basename kodev can compile', () => {
	const pages = read(path.join(ROOT, 'src', 'pages.c'));
	// The table pages.c includes, as scripts/build-app writes it.
	const table = execFileSync(path.join(ROOT, 'scripts', 'gen-page-assets'),
		{ encoding: 'utf8' });
	const names = new Map();
	for (const f of all) {
		const base = path.basename(f);
		const ident = base.replace(/[.-]/g, '_');
		assert.match(base, /^[A-Za-z0-9_.-]+$/, `${f}: only [A-Za-z0-9_.-]`);
		assert.ok(!names.has(ident), `${f} and ${names.get(ident)} collide`);
		names.set(ident, f);
		if (base === 'common-passwords.txt')
			continue;
		if (base.endsWith('.html')) {
			assert.match(pages, new RegExp(`asset_${ident}\\b`),
				`${f} is not a shell in src/pages.c`);
			continue;
		}
		const rel = path.relative(ASSETS, f);
		assert.ok(table.includes(`ASSET("/static/${rel}", ${ident}, `),
			`${f} is not in the generated table`);
	}
	assert.match(pages, /#include "page_assets\.gen\.h"/);
});

// The code of a script without its comments, so a comment about
// error.message is not taken for code.
function code(js) {
	return js.replace(/\/\*[\s\S]*?\*\//g, '')
		.replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

test('no text a learner sees comes from a server message or a raw status',
	() => {
		for (const f of scripts) {
			const js = code(read(f));
			const where = (re) => (js.match(re) || []).join(' | ');
			// The server's message is English for developers.
			assert.doesNotMatch(js, /\.message\b|\[\s*['"]message['"]\s*\]/,
				`${f} reads a message: ${where(/.*\.message\b.*/g)}`);
			assert.doesNotMatch(js, /\bstatusText\b/, `${f} uses statusText`);
			// A status number goes into a string only as part of a
			// catalog key (t(`x.${status}`)), never as text.
			for (const m of js.matchAll(/(\bt\(\s*)?`[^`]*\$\{[^}]*\bstatus\b[^}]*\}[^`]*`/g))
				assert.ok(m[1], `${f}: a status in a string: ${m[0]}`);
			assert.doesNotMatch(js,
				/[\w.]*\bstatus\b\s*\+\s*['"`]|['"`]\s*\+\s*[\w.]*\bstatus\b/,
				`${f} adds a status to a string`);
			assert.doesNotMatch(js,
				/String\(\s*[\w.]*\bstatus\s*\)|\bstatus\s*\.toString\(/,
				`${f} turns a status into a string`);
			// As a child of h() or add(), or as an element's text.
			assert.doesNotMatch(js,
				/(?:textContent|innerText|append\(|\btitle)\s*[=:(]?\s*[\w.]*\.status\b(?!\s*[=!<>]=)/,
				`${f} shows a status`);
			for (const m of js.matchAll(/\b(?:h|add)\([^;]*?,\s*([\w.]*\.status)\s*[,)]/g))
				assert.fail(`${f}: ${m[1]} shown as text`);
		}
	});
