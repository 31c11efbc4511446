import { prismaOf, type Db } from './transaction.repository.ts';

export class HealthRepository {
  constructor(private readonly db: Db) {}
  /** Round-trips to the database; throws when it is unreachable. */
  async ping(): Promise<void> {
    await prismaOf(this.db).$queryRaw`SELECT 1`;
  }
}
