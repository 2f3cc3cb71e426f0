// expect-value: ["chk-1 174.50 EUR","sav-1 1025.00 EUR @2.5%",["dep:1000","dep:25"],true,true,false,2,1,"savings",["id","currency"],["savings withdrawals are limited to 500","insufficient funds in chk-1","RangeError: bad currency GBP","RangeError"],true]
// A small account hierarchy with private fields and methods, static blocks,
// static private state, accessors, `#x in obj` brand checks and super calls.
class Account {
  static #registry = new Map();
  static currencies;
  static {
    Account.currencies = Object.freeze(['EUR', 'USD']);
  }
  #balance = 0;
  #history = [];
  constructor(id, currency = 'EUR') {
    if (!Account.currencies.includes(currency)) throw new RangeError(`bad currency ${currency}`);
    this.id = id;
    this.currency = currency;
    Account.#registry.set(id, this);
  }
  #record(kind, amount) { this.#history.push(`${kind}:${amount}`); }
  deposit(amount) {
    if (amount <= 0) throw new RangeError('amount must be positive');
    this.#balance += amount;
    this.#record('dep', amount);
    return this;
  }
  withdraw(amount) {
    if (amount > this.#balance) throw new Error(`insufficient funds in ${this.id}`);
    this.#balance -= amount;
    this.#record('wd', amount);
    return this;
  }
  get balance() { return this.#balance; }
  get history() { return [...this.#history]; }
  describe() { return `${this.id} ${this.#balance.toFixed(2)} ${this.currency}`; }
  static find(id) { return Account.#registry.get(id); }
  static isAccount(x) { return #balance in x; }
  static get count() { return Account.#registry.size; }
}

class Savings extends Account {
  #rate;
  static #created = 0;
  static { this.kind = 'savings'; }
  constructor(id, rate) {
    super(id);
    this.#rate = rate;
    Savings.#created++;
  }
  addInterest() { return this.deposit(Math.round(this.balance * this.#rate * 100) / 100); }
  withdraw(amount) {
    if (amount > 500) throw new Error('savings withdrawals are limited to 500');
    return super.withdraw(amount);
  }
  describe() { return `${super.describe()} @${(this.#rate * 100).toFixed(1)}%`; }
  static get created() { return Savings.#created; }
}

const a = new Account('chk-1').deposit(250).withdraw(75.5);
const s = new Savings('sav-1', 0.025).deposit(1000).addInterest();
const errors = [];
try { s.withdraw(600); } catch (e) { errors.push(e.message); }
try { a.withdraw(1e6); } catch (e) { errors.push(e.message); }
try { new Account('x', 'GBP'); } catch (e) { errors.push(`${e.name}: ${e.message}`); }
try { a.deposit(-1); } catch ({ name }) { errors.push(name); }

[
  a.describe(), s.describe(), s.history, Account.find('sav-1') === s,
  Account.isAccount(s), Account.isAccount({ balance: 1 }), Account.count,
  Savings.created, Savings.kind, Object.keys(s), errors, Object.isFrozen(Account.currencies),
]
