/**
 * Statistics for numbers a team can defend: distribution-free intervals for percentiles, rank
 * comparisons of two groups, Holm's correction and sample sizes. Pure functions over
 * {@link WeightedSample}s (values with counts, as HDR histograms hold them); no I/O, no clock.
 */
export * from './weighted.ts';
export * from './normal.ts';
export { binomial, logGamma, type Binomial } from './binomial.ts';
export * from './quantile-ci.ts';
export * from './rank-compare.ts';
export * from './holm.ts';
export * from './sample-size.ts';
