export * from '../../state/write-coalescer';
