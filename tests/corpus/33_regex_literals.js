// expect-value: [["2024-05-01: disk full","2024-05-03: net down"],true,true,"Smith, John",{"major":"12","minor":"4"}]
const log = '2024-05-01 ERROR disk full\n2024-05-02 INFO ok\n2024-05-03 ERROR net down';
const entry = /^(?<date>\d{4}-\d{2}-\d{2}) (?<level>[A-Z]+) (?<msg>.*)$/gm;
const errors = [...log.matchAll(entry)].filter((m) => m.groups.level === 'ERROR').map(({ groups: { date, msg } }) => `${date}: ${msg}`);
const spans = /start.*end/s.test('start\nmiddle\nend');
const sticky = /foo/y;
sticky.lastIndex = 3;
const renamed = 'John Smith'.replace(/(?<first>\w+)\s(?<last>\w+)/, '$<last>, $<first>');
const { groups: { major, minor } } = "v12.4".match(/v(?<major>\d+)\.(?<minor>\d+)/);
[errors, spans, sticky.test("barfoo"), renamed, { major, minor }]
