import type { DomainEvent } from '../../schema/events/envelope.js';
import { CUSTOMER } from '../../schema/events/customer-events.js';
import { ORDER } from '../../schema/events/order-events.js';
import { PRODUCT } from '../../schema/events/product-events.js';
import { REVIEW } from '../../schema/events/review-events.js';
import { customerDecider } from './customer.js';
import type { Decider } from './decider.js';
import { orderDecider } from './order.js';
import { productDecider } from './product.js';
import { reviewDecider } from './review.js';

/** Each aggregate type's decider, for loading the state of aggregates a command only reads. */
export const decidersByType: Readonly<Record<string, Decider<any, any, DomainEvent>>> = {
  [PRODUCT]: productDecider,
  [CUSTOMER]: customerDecider,
  [ORDER]: orderDecider,
  [REVIEW]: reviewDecider,
};
