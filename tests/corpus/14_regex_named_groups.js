// expect-value: {"dates":[{"year":"2024","month":"01","day":"15"},{"year":"2024","month":"02","day":"29"}],"swapped":"15/01/2024","test":true}
const re = new RegExp('(?<year>\\d{4})-(?<month>\\d{2})-(?<day>\\d{2})', 'g');
const text = 'from 2024-01-15 to 2024-02-29';
const dates = [...text.matchAll(re)].map((m) => m.groups);
const swapped = '2024-01-15'.replace(/(\d{4})-(\d{2})-(\d{2})/, '$3/$2/$1');
({ dates, swapped, test: /^[a-z]+$/i.test('Hello') })
