/**
 * The lines this process knows are closed. A closed line stays closed until an
 * admin changes the drop's waiting room, and answers every join with
 * QUEUE_CLOSED: when 50,000 fans arrive for 500 units, nearly all of them
 * arrive after the line closed, and each such answer then costs no database
 * round trip. Learned from the database's own answer; forgotten on any admin
 * edit of the drop, in this process or another (the edit's stock change
 * carries `edited`).
 */
export class ClosedLines {
  private readonly closed = new Set<string>();

  has(dropId: string): boolean {
    return this.closed.has(dropId);
  }

  add(dropId: string): void {
    this.closed.add(dropId);
  }

  forget(dropId: string): void {
    this.closed.delete(dropId);
  }
}
