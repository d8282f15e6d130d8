# syntax=docker/dockerfile:1
# Multi-stage build of the TongBan silo (one image; run it N times for N silos).
# The web pages are built with node in their own stage (the .NET SDK image has no node) into Silo/wwwroot.
FROM node:20-bookworm-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props TongBan.sln ./
COPY Grains/TongBan.Grains.csproj Grains/
COPY Api/TongBan.Api.csproj Api/
COPY Silo/TongBan.Silo.csproj Silo/
RUN dotnet restore Silo/TongBan.Silo.csproj
COPY data/ data/
COPY Grains/ Grains/
COPY Api/ Api/
COPY Silo/ Silo/
COPY --from=web /src/Silo/wwwroot Silo/wwwroot
RUN dotnet publish Silo/TongBan.Silo.csproj -c Release -o /app --no-restore -p:TongBanBuildWeb=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# HTTP (API, hubs, pages), silo-to-silo, Orleans gateway.
EXPOSE 8080 11111 30000
ENV ASPNETCORE_URLS=http://0.0.0.0:8080
USER $APP_UID
HEALTHCHECK --interval=10s --timeout=4s --start-period=40s --retries=3 \
  CMD ["dotnet", "TongBan.Silo.dll", "probe", "http://127.0.0.1:8080/readyz"]
ENTRYPOINT ["dotnet", "TongBan.Silo.dll"]
