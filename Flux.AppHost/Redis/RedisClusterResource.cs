namespace Flux.AppHost.Redis;

/// <summary>
/// A local Redis Cluster's handle: a small shell step that joins the master nodes into one cluster (once: a cluster
/// already formed is left alone), then stays up, so services can wait for it and read its connection string, which
/// names every node as a cluster client is given them.
/// </summary>
internal sealed class RedisClusterResource(string name, string workingDirectory, IReadOnlyList<RedisBackplaneResource> nodes)
    : ExecutableResource(name, "sh", workingDirectory), IResourceWithConnectionString
{
    public const int Masters = 3;

    /// <summary>
    /// <c>sh -c CreateScript flux-cluster REDIS_CLI PORT...</c>: waits for every node, creates the cluster with no
    /// replicas unless it is already whole, and sleeps for as long as the application runs.
    /// </summary>
    public const string CreateScript = """
        cli=$1; shift
        for port in "$@"; do until "$cli" -p "$port" ping >/dev/null 2>&1; do sleep 0.2; done; done
        if ! "$cli" -p "$1" cluster info | grep -q cluster_state:ok; then
          nodes=""; for port in "$@"; do nodes="$nodes 127.0.0.1:$port"; done
          "$cli" --cluster create $nodes --cluster-replicas 0 --cluster-yes || exit 1
        fi
        echo "Redis Cluster of $# masters on ports $*"
        exec sleep infinity
        """;

    public IReadOnlyList<RedisBackplaneResource> Nodes => nodes;

    public ReferenceExpression ConnectionStringExpression
    {
        get
        {
            var builder = new ReferenceExpressionBuilder();
            for (int i = 0; i < nodes.Count; i++)
            {
                if (i > 0) builder.AppendLiteral(",");
                builder.AppendFormatted(nodes[i].Endpoint.Property(EndpointProperty.Host));
                builder.AppendLiteral(":");
                builder.AppendFormatted(nodes[i].Endpoint.Property(EndpointProperty.Port));
            }
            return builder.Build();
        }
    }
}
