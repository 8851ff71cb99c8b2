package dev.distro.registry.store;

/**
 * The version of a delete, kept so that older copies of the deleted value are refused; {@code at}
 * is when it was made here, on the monotonic clock (for pruning); {@code prev} the version of the
 * instance the delete removed (0: none held, or unknown); {@code holderNode} the member whose gRPC
 * connection held it (null: none); {@code countedIn} the digest walk that had already counted the
 * removed registration when the delete was made ({@link RegistryStore#digestWalk}; 0: none).
 */
public record Tombstone(long version, long at, long prev, String holderNode, long countedIn) {

  public Tombstone(long version, long at) {
    this(version, at, 0, null, 0);
  }
}
