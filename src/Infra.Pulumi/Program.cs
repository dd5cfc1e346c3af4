using Infra.Pulumi;
using Pulumi;

return await Deployment.RunAsync<ClusterStack>();
