import 'reflect-metadata';
import { Field, InterfaceType, ObjectType, ID, type ClassType } from 'type-graphql';
import { PageInfo } from './relay.ts';

@InterfaceType({ description: 'An object with a global ID (Relay).' })
export abstract class Node {
  @Field(() => ID) id!: string;
}

@ObjectType({ description: 'A validation problem with the input: nothing was written.' })
export class UserError {
  @Field(() => [String], { description: 'Path to the input field, e.g. ["input", "email"].' }) field!: string[];
  @Field(() => String) message!: string;
  @Field(() => String, { description: 'Machine-readable code, e.g. INVALID, TAKEN.' }) code!: string;
}

export function ConnectionType<T extends object>(nodeType: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field(() => String) cursor!: string;
    @Field(() => nodeType) node!: T;
  }
  @ObjectType(`${name}Connection`)
  class Conn {
    @Field(() => [Edge]) edges!: Edge[];
    @Field(() => PageInfo) pageInfo!: PageInfo;
  }
  return Conn;
}
