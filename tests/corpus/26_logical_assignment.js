// expect-value: {"retries":4,"name":"","timeout":1000}
const cfg = { retries: 0, name: '', timeout: null };
cfg.retries ||= 3;
cfg.name ??= 'unused';
cfg.timeout ??= 1000;
cfg.debug &&= 'never';
cfg.retries &&= cfg.retries + 1;
cfg
