namespace Flux.Gateway.Fanout;

/// <summary>What became of a frame handed to a recipient's bounded send queue.</summary>
internal enum EnqueueResult
{
    /// <summary>Queued; it will be written.</summary>
    Enqueued,

    /// <summary>Refused: it would have exceeded the queue's bounds. The recipient is closed as a slow consumer (4012).</summary>
    Overflow,

    /// <summary>Refused: the connection is closing and takes no more frames.</summary>
    Closed,
}
