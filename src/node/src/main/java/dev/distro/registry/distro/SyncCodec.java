package dev.distro.registry.distro;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.model.ServiceMeta;
import dev.distro.registry.store.ChangeEvent;
import dev.distro.registry.store.ChangeEvent.Reason;
import dev.distro.registry.store.MergeRules;
import dev.distro.registry.store.Registration;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.store.Tombstone;
import dev.distro.registry.store.ServiceEntry;
import dev.distro.registry.store.Versions;
import dev.distro.registry.support.JsonWriter;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The replication entry format, shared by sync batches, repairs and snapshots: one JSON object per
 * instance or service, carrying its version.
 *
 * <pre>
 * {"o":"put","ns":"public","g":"DEFAULT_GROUP","s":"svc","c":"DEFAULT","ip":"10.0.0.1","p":8080,
 *  "w":1.0,"h":true,"e":true,"m":{"k":"v"},"v":117029638569574400}
 *   (+ "hd":"10.0.0.2:8848/1700000000000_10.1.2.3_53412" for an instance held by a gRPC connection)
 * {"o":"del","ns":"public","g":"DEFAULT_GROUP","s":"svc","c":"DEFAULT","ip":"10.0.0.1","p":8080,"v":...}
 * {"o":"sput","ns":"public","g":"G","s":"svc","pt":0.5,"m":{},"sel":"{\"type\":\"none\"}","x":true,"v":...}
 * {"o":"sdel","ns":"public","g":"G","s":"svc","v":...}
 * </pre>
 *
 * Decoding checks every field a peer sends; a malformed entry is counted and skipped, never thrown.
 */
public final class SyncCodec {

  /** What the receiver knows about ownership, for the liveness rules ({@code MergeRules.Facts}). */
  public interface OwnerFacts {

    OwnerFacts NONE = new OwnerFacts() { };

    /** This node is responsible for {@code i} (its holder, or its {@code ip:port}). */
    default boolean ownedHere(Instance i) {
      return false;
    }

    /** The sender is responsible for {@code i} (its repair is the truth for it). */
    default boolean senderOwns(Instance i) {
      return false;
    }
  }

  /**
   * Why an entry from a peer was refused; {@link #tag} is the {@code reason} label of the metrics
   * and the key in a sync or repair answer's {@code reasons}.
   */
  public enum Rejection {
    /** The version's wall-clock part is more than {@link #MAX_VERSION_AHEAD_MS} ahead of this node's clock. */
    CLOCK_AHEAD("clock_ahead"),
    /** No version, or not an integer above 0. */
    BAD_VERSION("bad_version"),
    /** A key field, the port, the weight or the metadata is missing or out of bounds. */
    BAD_FIELD("bad_field"),
    /** An {@code o} this node does not know. */
    UNKNOWN_OP("unknown_op"),
    /** Anything else (a failure while applying it); the answer of a peer may name reasons unknown here. */
    OTHER("other");

    public final String tag;

    Rejection(String tag) {
      this.tag = tag;
    }

    /** The reason with this tag, {@link #OTHER} for any other. */
    public static Rejection ofTag(String tag) {
      for (Rejection r : values()) {
        if (r.tag.equals(tag)) {
          return r;
        }
      }
      return OTHER;
    }
  }

  /** What applying a batch did. */
  public static final class Tally {
    public int applied;
    public int stale;
    public int rejected;
    /** Rejections by reason (indexed by {@link Rejection#ordinal()}). */
    public final int[] byReason = new int[Rejection.values().length];
    /** The first refused entry's problem for each reason (null: none), for the log. */
    public final String[] detail = new String[Rejection.values().length];
    /** How far ahead of this node's clock the furthest {@link Rejection#CLOCK_AHEAD} version was (ms). */
    public long maxAheadMs;

    void reject(Rejection r, String what, long aheadMs) {
      rejected++;
      byReason[r.ordinal()]++;
      if (detail[r.ordinal()] == null) {
        detail[r.ordinal()] = what;
      }
      maxAheadMs = Math.max(maxAheadMs, aheadMs);
    }

    public int rejected(Rejection r) {
      return byReason[r.ordinal()];
    }
  }

  /** An entry refused for {@code reason}; thrown by the field checks, caught in {@link #apply}. */
  private static final class Refused extends RuntimeException {
    final Rejection reason;
    final long aheadMs;

    Refused(Rejection reason, String message, long aheadMs) {
      super(message, null, false, false);
      this.reason = reason;
      this.aheadMs = aheadMs;
    }
  }

  /** How far ahead of this node's clock a peer's version may be (clock skew between members). */
  public static final long MAX_VERSION_AHEAD_MS = 3_600_000;

  private SyncCodec() { }

  /** The merge key of a change: the instance's global key, or {@code svc:} plus the service key. */
  public static String key(ChangeEvent e) {
    Instance i = e.current() != null ? e.current() : e.previous();
    return i != null ? i.globalKey() : "svc:" + e.service();
  }

  /** The body of {@code POST /distro/sync}: {@code {"from":..., "entries":[...]}}. */
  public static String syncBody(String from, Collection<ChangeEvent> changes, RegistryStore store) {
    StringBuilder sb = new StringBuilder(changes.size() * 300 + 64);
    JsonWriter w = new JsonWriter(sb).beginObject().field("from", from).name("entries").beginArray();
    for (ChangeEvent e : changes) {
      write(w, e, store);
    }
    return w.endArray().endObject().toString();
  }

  /** Encodes a change as it stands now (service settings are read from the store: the newest win). */
  public static void write(JsonWriter w, ChangeEvent e, RegistryStore store) {
    switch (e.type()) {
      case ADDED, MODIFIED -> writePut(w, e.current());
      case DELETED -> writeDel(w, e.previous(), e.version());
      case SERVICE_UPDATED -> {
        ServiceEntry entry = store.service(e.service());
        if (entry != null) {
          writeService(w, e.service(), entry.meta());
        } else {
          writeServiceDel(w, e.service(), e.version());
        }
      }
      case SERVICE_DELETED -> writeServiceDel(w, e.service(), e.version());
      default -> throw new IllegalStateException();
    }
  }

  public static void writePut(JsonWriter w, Instance i) {
    writePut(w, i, 0);
  }

  /**
   * An instance, with {@code cs} (when above 0): when the sender last heard the instance's client.
   * Repairs carry it: the owner's copy beats a delete the receiver remembers only if the owner
   * heard the client after that delete.
   */
  public static void writePut(JsonWriter w, Instance i, long clientSeen) {
    w.beginObject().field("o", "put");
    writeKey(w, i.service());
    w.field("c", i.cluster()).field("ip", i.ip()).field("p", i.port()).field("w", i.weight())
        .field("h", i.healthy()).field("e", i.enabled()).field("m", i.metadata()).field("v", i.version());
    if (i.holder() != null) {
      w.field("hd", i.holder());
    }
    if (clientSeen > 0) {
      w.field("cs", clientSeen);
    }
    w.endObject();
  }

  public static void writeDel(JsonWriter w, Instance i, long version) {
    w.beginObject().field("o", "del");
    writeKey(w, i.service());
    w.field("c", i.cluster()).field("ip", i.ip()).field("p", i.port()).field("v", version).endObject();
  }

  public static void writeService(JsonWriter w, ServiceKey key, ServiceMeta m) {
    w.beginObject().field("o", "sput");
    writeKey(w, key);
    w.field("pt", (double) m.protectThreshold()).field("m", m.metadata()).field("sel", m.selector())
        .field("x", m.explicit()).field("v", m.version()).endObject();
  }

  public static void writeServiceDel(JsonWriter w, ServiceKey key, long version) {
    w.beginObject().field("o", "sdel");
    writeKey(w, key);
    w.field("v", version).endObject();
  }

  /** Writes a tombstone as a delete entry. */
  public static void writeTombstone(JsonWriter w, String globalKey, long version) {
    if (globalKey.startsWith("svc:")) {
      ServiceKey k = parseServiceKey(globalKey.substring(4));
      if (k != null) {
        writeServiceDel(w, k, version);
      }
      return;
    }
    int hash = globalKey.indexOf('#', globalKey.indexOf("##") + 2);
    ServiceKey k = parseServiceKey(globalKey.substring(0, hash));
    String[] local = globalKey.substring(hash + 1).split("#", -1);
    if (k == null || local.length != 3) {
      return;
    }
    w.beginObject().field("o", "del");
    writeKey(w, k);
    w.field("c", local[2]).field("ip", local[0]).field("p", Integer.parseInt(local[1])).field("v", version).endObject();
  }

  /** Snapshot line of one registration. */
  public static void writeRegistration(JsonWriter w, Registration r) {
    writePut(w, r.instance());
  }

  private static void writeKey(JsonWriter w, ServiceKey k) {
    w.field("ns", k.namespace()).field("g", k.group()).field("s", k.name());
  }

  private static ServiceKey parseServiceKey(String s) {
    int ns = s.indexOf("##");
    int g = s.indexOf("@@", ns + 2);
    if (ns < 0 || g < 0) {
      return null;
    }
    return new ServiceKey(s.substring(0, ns), s.substring(ns + 2, g), s.substring(g + 2));
  }

  /**
   * Applies one entry to the store.
   *
   * @return for a repair's entry ({@link Reason#REPAIR}), the global key of the instance it
   *     concerned (the receiver lists what the owner listed); null for other reasons (a sync needs
   *     none, and building it was a string per entry), for service entries and for rejects
   */
  public static String apply(RegistryStore store, JsonNode n, Reason reason, Tally out) {
    return apply(store, n, reason, out, OwnerFacts.NONE);
  }

  public static String apply(RegistryStore store, JsonNode n, Reason reason, Tally out, OwnerFacts owners) {
    return apply(store, (Fields) n::get, reason, out, owners);
  }

  /**
   * An entry's fields by name, each as the node Jackson's tree would hold (null when absent): a
   * parsed tree's object, or a {@link SyncBatch} entry read from the stream without building one.
   */
  public interface Fields {
    JsonNode get(String field);
  }

  /** Jackson's {@code hasNonNull}: present, and not JSON null. */
  private static boolean nonNull(Fields n, String field) {
    JsonNode v = n.get(field);
    return v != null && !v.isNull();
  }

  private static JsonNode path(Fields n, String field) {
    JsonNode v = n.get(field);
    return v != null ? v : MissingNode.getInstance();
  }

  /** Applies one entry given by its fields; see {@link #apply(RegistryStore, JsonNode, Reason, Tally)}. */
  public static String apply(RegistryStore store, Fields n, Reason reason, Tally out, OwnerFacts owners) {
    try {
      String op = text(n, "o");
      ServiceKey key = new ServiceKey(text(n, "ns"), text(n, "g"), text(n, "s", NodeConfig.MAX_SERVICE_NAME_LENGTH));
      long version = version(n, store);
      switch (op) {
        case "put" -> {
          Instance i = new Instance(key, text(n, "c"), text(n, "ip"), port(n), weight(n),
              path(n, "h").asBoolean(true), path(n, "e").asBoolean(true), true, metadata(n.get("m")), version,
              nonNull(n, "hd") ? holder(n) : null);
          boolean fromOwner = reason == Reason.REPAIR && owners.senderOwns(i);
          MergeRules.Facts facts = new MergeRules.Facts(owners.ownedHere(i), fromOwner,
              path(n, "cs").asLong(0));
          count(store.applyRemote(i, reason, facts) != null, out);
          return reason == Reason.REPAIR ? i.globalKey() : null;
        }
        case "del" -> {
          String ip = text(n, "ip");
          int port = port(n);
          String localId = Instance.localId(ip, port, text(n, "c"));
          Registration held = store.find(key, localId);
          boolean ownedHere = held != null && owners.ownedHere(held.instance());
          count(store.applyRemoteDelete(key, localId, version, reason, ownedHere) != null, out);
          return reason == Reason.REPAIR ? key + "#" + localId : null;
        }
        case "sput" -> {
          double pt = path(n, "pt").asDouble(0);
          String sel = path(n, "sel").isTextual() ? n.get("sel").asText() : ServiceMeta.NO_SELECTOR;
          ServiceMeta meta = new ServiceMeta((float) Math.max(0, Math.min(1, pt)), metadata(n.get("m")), sel,
              path(n, "x").asBoolean(false), version);
          count(store.applyRemoteService(key, meta) != null, out);
          return null;
        }
        case "sdel" -> {
          count(store.applyRemoteServiceDelete(key, version) != null, out);
          return null;
        }
        default -> throw new Refused(Rejection.UNKNOWN_OP, "unknown op " + op, 0);
      }
    } catch (Refused e) {
      out.reject(e.reason, e.getMessage(), e.aheadMs);
      return null;
    } catch (IllegalArgumentException e) {
      // the model's own checks (ServiceKey, Instance)
      out.reject(Rejection.BAD_FIELD, String.valueOf(e.getMessage()), 0);
      return null;
    } catch (RuntimeException e) {
      out.reject(Rejection.OTHER, e.toString(), 0);
      return null;
    }
  }

  /**
   * When this node holds a strictly newer state of an instance entry's instance than the entry
   * (a newer copy, or a newer delete it remembers), writes that state and returns true. The
   * receiver of a repair answers these to the owner: a change made here to the owner's instance
   * that never reached it (its sync queue overflowed, its batch was refused) goes back to it.
   * Only states made before {@code asOf} (when the owner built its listing) count: a later one is
   * a change still on its way, from the owner itself or in this node's own sync queue. Before, a
   * repair on a loaded cluster carried back hundreds of the owner's own lease changes, made while
   * the repair travelled, for the owner to apply and discard.
   */
  public static boolean writeNewer(JsonWriter w, RegistryStore store, JsonNode entry, long asOf) {
    Fields n = entry::get;
    String op = path(n, "o").asText("");
    if (!op.equals("put") && !op.equals("del")) {
      return false;
    }
    try {
      ServiceKey key = new ServiceKey(text(n, "ns"), text(n, "g"), text(n, "s"));
      String ip = text(n, "ip");
      int port = port(n);
      String localId = Instance.localId(ip, port, text(n, "c"));
      long theirs = path(n, "v").asLong(0);
      Registration r = store.find(key, localId);
      if (r != null && r.instance().version() > theirs && r.instance().version() < asOf) {
        writePut(w, r.instance(), store.clientSeen(r));
        return true;
      }
      Tombstone t = store.tombstones().get(key + "#" + localId);
      if (r == null && t != null && t.version() > theirs && t.version() < asOf) {
        writeTombstone(w, key + "#" + localId, t.version());
        return true;
      }
      return false;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static void count(boolean changed, Tally out) {
    if (changed) {
      out.applied++;
    } else {
      out.stale++;
    }
  }

  /** A holder: {@code <member>/<connection id>}, printable ASCII without spaces. */
  private static String holder(Fields n) {
    String h = text(n, "hd", Instance.MAX_HOLDER);
    int slash = h.indexOf('/');
    if (slash <= 0 || slash == h.length() - 1 || !h.chars().allMatch(ch -> ch > 0x20 && ch < 0x7F)) {
      throw new Refused(Rejection.BAD_FIELD, "bad field hd", 0);
    }
    return h;
  }

  private static String text(Fields n, String field) {
    return text(n, field, 1024);
  }

  /** A non-empty string of at most {@code max} characters (a service name: as long as any member may accept). */
  private static String text(Fields n, String field, int max) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual() || v.asText().isEmpty() || v.asText().length() > max) {
      throw new Refused(Rejection.BAD_FIELD, "bad field " + field, 0);
    }
    return v.asText();
  }

  /**
   * An integral version above 0 whose wall-clock part is at most {@link #MAX_VERSION_AHEAD_MS}
   * ahead of this node's clock. A version from far in the future (Long.MAX_VALUE, 1e30) would win
   * over every later write to its instance and drag this node's hybrid clock along.
   */
  private static long version(Fields n, RegistryStore store) {
    JsonNode v = n.get("v");
    if (v == null || !v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() <= 0) {
      throw new Refused(Rejection.BAD_VERSION, "bad version " + v, 0);
    }
    long ahead = Versions.millisOf(v.asLong()) - store.clock().millis();
    if (ahead > MAX_VERSION_AHEAD_MS) {
      throw new Refused(Rejection.CLOCK_AHEAD, "version " + ahead + " ms ahead of this node's clock", ahead);
    }
    return v.asLong();
  }

  /** An integral port from 1 to 65535 (never truncated: 2^32 + 1 is not port 1). */
  private static int port(Fields n) {
    JsonNode v = n.get("p");
    if (v == null || !v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 1 || v.asInt() > 65535) {
      throw new Refused(Rejection.BAD_FIELD, "bad port " + v, 0);
    }
    return v.asInt();
  }

  private static double weight(Fields n) {
    JsonNode v = n.get("w");
    if (v != null && !v.isNull() && !v.isNumber()) {
      throw new Refused(Rejection.BAD_FIELD, "bad weight " + v, 0);
    }
    double w = path(n, "w").asDouble(1.0);
    if (!(w >= 0 && w <= 10_000)) {
      throw new Refused(Rejection.BAD_FIELD, "bad weight " + w, 0);
    }
    return w;
  }

  private static Map<String, String> metadata(JsonNode m) {
    if (m == null || m.isNull()) {
      return Map.of();
    }
    if (!m.isObject() || m.size() > 10_000) {
      throw new Refused(Rejection.BAD_FIELD, "bad metadata", 0);
    }
    Map<String, String> out = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = m.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      out.put(e.getKey(), e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString());
    }
    return out;
  }
}
