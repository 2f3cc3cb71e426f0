// expect-value: ["ADA","CY"]
const users = [{ name: 'ada', age: 36 }, { name: 'bob', age: 17 }, { name: 'cy', age: 52 }];
const adults = users.filter(({ age }) => age >= 18).map(({ name }) => name.toUpperCase());
adults
