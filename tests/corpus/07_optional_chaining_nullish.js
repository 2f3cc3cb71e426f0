// expect-value: ["no email","no account","untagged","no method",0,"empty replaced"]
const data = { user: { profile: { email: null, tags: [] } } };
[
  data.user?.profile?.email ?? 'no email',
  data.account?.id ?? 'no account',
  data.user.profile.tags?.[0] ?? 'untagged',
  data.user.profile.getName?.() ?? 'no method',
  0 ?? 'zero is kept',
  '' || 'empty replaced',
]
