using Flux.Protocol.Agents;
using Flux.Swarm.Measurement;
using Flux.Swarm.Runs;

namespace Flux.Swarm.Distributed;

/// <summary>What a shard of a distributed storm puts into the end-of-run exchange, and takes back from it.</summary>
internal static class ShardMessages
{
    /// <summary>The highest seq this shard's users saw in each guild epoch.</summary>
    public static ShardEpochs Epochs(GuildEpochs epochs)
    {
        var message = new ShardEpochs();
        foreach (var (guild, epoch, max) in epochs.All()) message.Maxes.Add(new GuildEpochMax { Guild = guild, Epoch = epoch, Max = max });
        return message;
    }

    /// <summary>Raises each guild epoch's top to the highest any shard saw.</summary>
    public static void Observe(GuildEpochs epochs, ShardEpochs tops)
    {
        foreach (var top in tops.Maxes) epochs.For(top.Guild, top.Epoch).Observe(top.Max);
    }

    /// <summary>The highest seq of each guild epoch over every shard's report.</summary>
    public static ShardEpochs Merge(IEnumerable<ShardEpochs> parts)
    {
        var tops = new Dictionary<(int, string), long>();
        foreach (var max in parts.SelectMany(p => p.Maxes))
        {
            var key = (max.Guild, max.Epoch);
            tops[key] = Math.Max(tops.GetValueOrDefault(key), max.Max);
        }
        var merged = new ShardEpochs();
        foreach (var ((guild, epoch), max) in tops) merged.Maxes.Add(new GuildEpochMax { Guild = guild, Epoch = epoch, Max = max });
        return merged;
    }

    /// <summary>Every message this shard's users received: its own sends that came back, and other shards' sends.</summary>
    public static ShardReceipts Receipts(StormContext storm)
    {
        var receipts = new ShardReceipts { Last = true };
        var ledger = storm.Ledger;
        for (long local = 0; local < ledger.Count; local++)
        {
            ref readonly var message = ref ledger[local];
            if (message.Seq != 0) Add(receipts, ledger.IdAt(local), message.Guild, message.Seq, message.IntendedMicroseconds);
        }
        foreach (var (id, guild, seq, intended) in storm.Receipts.All()) Add(receipts, id, guild, seq, intended);
        return receipts;
    }

    /// <summary>Takes in every shard's receipts: own sends someone else received count as received; the rest are noted.</summary>
    public static void Apply(StormContext storm, ShardReceipts all)
    {
        for (int i = 0; i < all.Ids.Count; i++)
        {
            long id = all.Ids[i];
            if (!storm.Ledger.MarkDelivered(id, all.Seqs[i])) storm.Receipts.Record(id, all.Guilds[i], all.Seqs[i], all.IntendedUs[i]);
        }
    }

    /// <summary>The union of the shards' receipts, once per message.</summary>
    public static ShardReceipts Union(IEnumerable<ShardReceipts> parts)
    {
        var seen = new HashSet<long>();
        var union = new ShardReceipts { Last = true };
        foreach (var part in parts)
        {
            for (int i = 0; i < part.Ids.Count; i++)
            {
                if (seen.Add(part.Ids[i])) Add(union, part.Ids[i], part.Guilds[i], part.Seqs[i], part.IntendedUs[i]);
            }
        }
        return union;
    }

    /// <summary>Rows at most per message on the wire (gRPC's default limit is 4 MB; a row is at most about 30 bytes).</summary>
    public const int RowsPerPart = 100_000;

    /// <summary>The receipts in parts of at most <see cref="RowsPerPart"/> rows; the last part says so.</summary>
    public static IEnumerable<ShardReceipts> Split(ShardReceipts receipts)
    {
        int rows = receipts.Ids.Count;
        for (int from = 0; from < rows || from == 0; from += RowsPerPart)
        {
            int to = Math.Min(rows, from + RowsPerPart);
            var part = new ShardReceipts { Last = to >= rows };
            for (int i = from; i < to; i++) Add(part, receipts.Ids[i], receipts.Guilds[i], receipts.Seqs[i], receipts.IntendedUs[i]);
            yield return part;
            if (to >= rows) yield break;
        }
    }

    /// <summary>Adds a part received from the wire to <paramref name="into"/>; true when it was the last.</summary>
    public static bool Gather(ShardReceipts into, ShardReceipts part)
    {
        if (part.Ids.Count != part.Guilds.Count || part.Ids.Count != part.Seqs.Count || part.Ids.Count != part.IntendedUs.Count)
        {
            throw new FormatException($"receipts with unequal columns ({part.Ids.Count} ids, {part.Guilds.Count} guilds, {part.Seqs.Count} seqs, {part.IntendedUs.Count} times)");
        }
        into.Ids.Add(part.Ids);
        into.Guilds.Add(part.Guilds);
        into.Seqs.Add(part.Seqs);
        into.IntendedUs.Add(part.IntendedUs);
        return part.Last;
    }

    private static void Add(ShardReceipts receipts, long id, int guild, long seq, long intended)
    {
        receipts.Ids.Add(id);
        receipts.Guilds.Add(guild);
        receipts.Seqs.Add(seq);
        receipts.IntendedUs.Add(intended);
    }
}
