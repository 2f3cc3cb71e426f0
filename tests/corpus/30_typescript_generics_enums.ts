// expect-value: [2,"bob","active",["Active","Inactive"]]
enum Status { Active = 'active', Inactive = 'inactive' }
class Repo<T extends { id: number }> {
  private items = new Map<number, T>();
  add(item: T): this { this.items.set(item.id, item); return this; }
  find(pred: (t: T) => boolean): T | undefined { return [...this.items.values()].find(pred); }
  get size(): number { return this.items.size; }
}
type User = { id: number; name: string; status: Status };
const repo = new Repo<User>().add({ id: 1, name: 'ada', status: Status.Active }).add({ id: 2, name: 'bob', status: Status.Inactive });
const first = repo.find((u) => u.status === Status.Inactive);
[repo.size, first?.name, Status.Active, Object.keys(Status)]
