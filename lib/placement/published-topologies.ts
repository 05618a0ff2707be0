/**
 * Placement instances shaped like four published microservice applications, so the optimizer can be
 * measured on call graphs people know rather than only on generated ones:
 *
 * - `social-network` (26 services), `hotel-reservation` (22), `media-microservices` (31): DeathStarBench
 *   (github.com/delimitrou/DeathStarBench), every container of its docker-compose except the tracing one;
 * - `train-ticket` (68): TrainTicket (github.com/FudanSELab/train-ticket), every container of its
 *   quick-start docker-compose.
 *
 * Who calls whom is taken from the applications' sources (the Thrift/gRPC/REST clients each service
 * creates, and the database each one is configured with). The request mixes and the calls one request
 * makes on each edge are estimates of ours, written next to each mix: the applications publish their call
 * graphs, not their rates. Stateless services get `replicas` replicas, databases and caches one, so about
 * half the services have one replica, as in the issue's instances.
 */
import type { PlacementInstance, PlacementNode, ServiceDemand, TrafficEdge } from './model.js';
import { PlacementInstance as PlacementInstanceSchema } from './model.js';

type Kind = 'app' | 'database' | 'cache';

/** One request type: its share of the entry rate and the calls it makes, `[caller, callee, calls per request]`. */
interface RequestType {
  name: string;
  share: number;
  calls: [string, string, number][];
}

interface Topology {
  services: Record<string, Kind>;
  requests: RequestType[];
}

const SHAPES: Record<Kind, { cpu: number; memory: number }> = {
  app: { cpu: 500, memory: 512 },
  database: { cpu: 1_000, memory: 2_048 },
  cache: { cpu: 250, memory: 512 },
};

/** Services with their own store, `<service>-<suffix>`. */
function stores(services: string[], suffix: string, kind: Kind): Record<string, Kind> {
  return Object.fromEntries(services.map((s) => [`${s}-${suffix}`, kind]));
}

const apps = (names: string[]): Record<string, Kind> => Object.fromEntries(names.map((n) => [n, 'app' as const]));

/** DeathStarBench social network: compose posts, read home and user timelines (its wrk2 mixed workload, 10/60/30). */
const SOCIAL_NETWORK: Topology = {
  services: {
    ...apps([
      'nginx-thrift',
      'media-frontend',
      'compose-post-service',
      'home-timeline-service',
      'user-timeline-service',
      'post-storage-service',
      'social-graph-service',
      'user-service',
      'text-service',
      'url-shorten-service',
      'user-mention-service',
      'unique-id-service',
      'media-service',
    ]),
    ...stores(['social-graph', 'post-storage', 'user-timeline', 'url-shorten', 'user', 'media'], 'mongodb', 'database'),
    ...stores(['social-graph', 'home-timeline', 'user-timeline'], 'redis', 'cache'),
    ...stores(['post-storage', 'url-shorten', 'user', 'media'], 'memcached', 'cache'),
  },
  requests: [
    {
      name: 'read home timeline',
      share: 0.6,
      calls: [
        ['nginx-thrift', 'home-timeline-service', 1],
        ['home-timeline-service', 'home-timeline-redis', 1],
        ['home-timeline-service', 'post-storage-service', 1],
        ['post-storage-service', 'post-storage-memcached', 1],
        ['post-storage-service', 'post-storage-mongodb', 0.1], // cache misses
      ],
    },
    {
      name: 'read user timeline',
      share: 0.3,
      calls: [
        ['nginx-thrift', 'user-timeline-service', 1],
        ['user-timeline-service', 'user-timeline-redis', 1],
        ['user-timeline-service', 'user-timeline-mongodb', 0.1],
        ['user-timeline-service', 'post-storage-service', 1],
        ['post-storage-service', 'post-storage-memcached', 1],
        ['post-storage-service', 'post-storage-mongodb', 0.1],
      ],
    },
    {
      name: 'compose post',
      share: 0.1,
      calls: [
        ['nginx-thrift', 'compose-post-service', 1],
        ['compose-post-service', 'unique-id-service', 1],
        ['compose-post-service', 'text-service', 1],
        ['compose-post-service', 'user-service', 1],
        ['compose-post-service', 'media-service', 1],
        ['compose-post-service', 'post-storage-service', 1],
        ['compose-post-service', 'user-timeline-service', 1],
        ['compose-post-service', 'home-timeline-service', 1],
        ['text-service', 'url-shorten-service', 1],
        ['text-service', 'user-mention-service', 1],
        ['url-shorten-service', 'url-shorten-mongodb', 1],
        ['url-shorten-service', 'url-shorten-memcached', 1],
        ['user-mention-service', 'user-memcached', 1],
        ['user-mention-service', 'user-mongodb', 0.1],
        ['user-service', 'user-memcached', 1],
        ['user-service', 'user-mongodb', 0.1],
        ['post-storage-service', 'post-storage-mongodb', 1],
        ['user-timeline-service', 'user-timeline-redis', 1],
        ['user-timeline-service', 'user-timeline-mongodb', 1],
        ['home-timeline-service', 'social-graph-service', 1],
        ['home-timeline-service', 'home-timeline-redis', 10], // one write per follower (pipelined)
        ['social-graph-service', 'social-graph-redis', 1],
        ['social-graph-service', 'social-graph-mongodb', 0.1],
        ['media-frontend', 'media-mongodb', 0.5],
        ['media-service', 'media-memcached', 0.5],
      ],
    },
    {
      name: 'follow',
      share: 0.02,
      calls: [
        ['nginx-thrift', 'social-graph-service', 1],
        ['social-graph-service', 'user-service', 2],
        ['user-service', 'user-memcached', 2],
        ['social-graph-service', 'social-graph-mongodb', 2],
        ['social-graph-service', 'social-graph-redis', 2],
      ],
    },
  ],
};

/** DeathStarBench hotel reservation: its wrk2 mixed workload (search 60 %, recommend 39 %, reserve and login 0.5 % each). */
const HOTEL_RESERVATION: Topology = {
  services: {
    ...apps(['frontend', 'search', 'geo', 'rate', 'profile', 'recommendation', 'user', 'reservation', 'review', 'attractions']),
    ...Object.fromEntries(
      ['geo', 'profile', 'rate', 'review', 'attractions', 'recommendation', 'reservation', 'user'].map((s) => [`mongodb-${s}`, 'database' as const]),
    ),
    ...Object.fromEntries(['rate', 'review', 'profile', 'reserve'].map((s) => [`memcached-${s}`, 'cache' as const])),
  },
  requests: [
    {
      name: 'search hotels',
      share: 0.6,
      calls: [
        ['frontend', 'search', 1],
        ['search', 'geo', 1],
        ['geo', 'mongodb-geo', 0.1], // geo keeps its index in memory
        ['search', 'rate', 1],
        ['rate', 'memcached-rate', 5], // one lookup per nearby hotel
        ['rate', 'mongodb-rate', 0.5],
        ['frontend', 'reservation', 1], // availability check
        ['reservation', 'memcached-reserve', 5],
        ['reservation', 'mongodb-reservation', 0.5],
        ['frontend', 'profile', 1],
        ['profile', 'memcached-profile', 5],
        ['profile', 'mongodb-profile', 0.5],
      ],
    },
    {
      name: 'recommend',
      share: 0.39,
      calls: [
        ['frontend', 'recommendation', 1],
        ['recommendation', 'mongodb-recommendation', 0.1],
        ['frontend', 'profile', 1],
        ['profile', 'memcached-profile', 5],
        ['profile', 'mongodb-profile', 0.5],
      ],
    },
    {
      name: 'reserve',
      share: 0.005,
      calls: [
        ['frontend', 'user', 1],
        ['user', 'mongodb-user', 0.1],
        ['frontend', 'reservation', 1],
        ['reservation', 'memcached-reserve', 2],
        ['reservation', 'mongodb-reservation', 2],
      ],
    },
    {
      name: 'login',
      share: 0.005,
      calls: [
        ['frontend', 'user', 1],
        ['user', 'mongodb-user', 0.1],
      ],
    },
    {
      name: 'reviews and attractions (the frontend shows both on a hotel page)',
      share: 0.1,
      calls: [
        ['frontend', 'review', 1],
        ['review', 'memcached-review', 1],
        ['review', 'mongodb-review', 0.2],
        ['frontend', 'attractions', 1],
        ['attractions', 'mongodb-attractions', 1],
      ],
    },
  ],
};

const MEDIA_STORES = ['movie-id', 'user', 'review-storage', 'user-review', 'movie-review', 'cast-info', 'plot', 'movie-info'];

/** DeathStarBench media microservices: compose reviews (its wrk2 workload) and page reads. */
const MEDIA_MICROSERVICES: Topology = {
  services: {
    ...apps([
      'nginx-web-server',
      'unique-id-service',
      'movie-id-service',
      'text-service',
      'rating-service',
      'user-service',
      'compose-review-service',
      'review-storage-service',
      'user-review-service',
      'movie-review-service',
      'cast-info-service',
      'plot-service',
      'movie-info-service',
    ]),
    ...stores(MEDIA_STORES, 'mongodb', 'database'),
    ...stores(['movie-id', 'user', 'compose-review', 'review-storage', 'cast-info', 'plot', 'movie-info'], 'memcached', 'cache'),
    ...stores(['rating', 'user-review', 'movie-review'], 'redis', 'cache'),
  },
  requests: [
    {
      name: 'compose review',
      share: 0.5,
      calls: [
        ['nginx-web-server', 'unique-id-service', 1],
        ['nginx-web-server', 'movie-id-service', 1],
        ['nginx-web-server', 'text-service', 1],
        ['nginx-web-server', 'user-service', 1],
        ['unique-id-service', 'compose-review-service', 1],
        ['movie-id-service', 'movie-id-memcached', 1],
        ['movie-id-service', 'movie-id-mongodb', 0.1],
        ['movie-id-service', 'compose-review-service', 1],
        ['movie-id-service', 'rating-service', 1],
        ['rating-service', 'rating-redis', 1],
        ['rating-service', 'compose-review-service', 1],
        ['text-service', 'compose-review-service', 1],
        ['user-service', 'user-memcached', 1],
        ['user-service', 'user-mongodb', 0.1],
        ['user-service', 'compose-review-service', 1],
        ['compose-review-service', 'compose-review-memcached', 6], // one per uploaded part, then the read-back
        ['compose-review-service', 'review-storage-service', 1],
        ['compose-review-service', 'user-review-service', 1],
        ['compose-review-service', 'movie-review-service', 1],
        ['review-storage-service', 'review-storage-mongodb', 1],
        ['review-storage-service', 'review-storage-memcached', 1],
        ['user-review-service', 'user-review-redis', 1],
        ['user-review-service', 'user-review-mongodb', 1],
        ['movie-review-service', 'movie-review-redis', 1],
        ['movie-review-service', 'movie-review-mongodb', 1],
      ],
    },
    {
      name: 'read a movie page',
      share: 0.5,
      calls: [
        ['nginx-web-server', 'movie-info-service', 1],
        ['movie-info-service', 'movie-info-memcached', 1],
        ['movie-info-service', 'movie-info-mongodb', 0.1],
        ['nginx-web-server', 'cast-info-service', 1],
        ['cast-info-service', 'cast-info-memcached', 1],
        ['cast-info-service', 'cast-info-mongodb', 0.1],
        ['nginx-web-server', 'plot-service', 1],
        ['plot-service', 'plot-memcached', 1],
        ['plot-service', 'plot-mongodb', 0.1],
        ['nginx-web-server', 'movie-review-service', 1],
        ['movie-review-service', 'movie-review-redis', 1],
        ['movie-review-service', 'review-storage-service', 1],
        ['review-storage-service', 'review-storage-memcached', 10], // the page's reviews
        ['review-storage-service', 'review-storage-mongodb', 1],
      ],
    },
  ],
};

const TT = (s: string): string => `ts-${s}-service`;
const TRAIN_TICKET_APPS = [
  'admin-basic-info',
  'admin-order',
  'admin-route',
  'admin-travel',
  'admin-user',
  'assurance',
  'auth',
  'avatar',
  'basic',
  'cancel',
  'config',
  'consign-price',
  'consign',
  'contacts',
  'execute',
  'food-map',
  'food',
  'inside-payment',
  'news',
  'notification',
  'order-other',
  'order',
  'payment',
  'preserve-other',
  'preserve',
  'price',
  'rebook',
  'route-plan',
  'route',
  'seat',
  'security',
  'station',
  'ticket-office',
  'ticketinfo',
  'train',
  'travel-plan',
  'travel',
  'travel2',
  'user',
  'verification-code',
  'voucher',
];
const TRAIN_TICKET_MONGO = [
  'auth',
  'user',
  'account',
  'route',
  'contacts',
  'order',
  'order-other',
  'config',
  'station',
  'train',
  'travel',
  'travel2',
  'price',
  'security',
  'inside-payment',
  'payment',
  'rebook',
  'assurance',
  'ticket-office',
  'news',
  'food-map',
  'consign',
  'consign-price',
  'food',
];

/** The calls behind one trip's details: ticketinfo → basic → station, train, route, price; seats left. */
function tripDetails(travel: 'travel' | 'travel2', trips: number): [string, string, number][] {
  const orders = travel === 'travel' ? 'order' : 'order-other';
  return [
    [TT(travel), `ts-${travel}-mongo`, 1],
    [TT(travel), TT('ticketinfo'), trips],
    [TT('ticketinfo'), TT('basic'), trips],
    [TT('basic'), TT('station'), 2 * trips],
    [TT('basic'), TT('train'), trips],
    [TT('basic'), TT('route'), trips],
    [TT('basic'), TT('price'), trips],
    [TT('station'), 'ts-station-mongo', 2 * trips],
    [TT('train'), 'ts-train-mongo', trips],
    [TT('route'), 'ts-route-mongo', trips],
    [TT('price'), 'ts-price-mongo', trips],
    [TT(travel), TT('seat'), trips],
    [TT('seat'), TT(orders), trips],
    [TT('seat'), TT('config'), trips],
    [TT(orders), `ts-${orders}-mongo`, trips],
    [TT('config'), 'ts-config-mongo', trips],
  ];
}

/**
 * TrainTicket: a ticketing site's day (searches dominate; bookings, payments and order views follow). Its
 * compose file also runs `ts-account-mongo` and `redis`, which no service's source or configuration uses:
 * they are placed, with no traffic.
 */
const TRAIN_TICKET: Topology = {
  services: {
    'ts-ui-dashboard': 'app',
    ...apps(TRAIN_TICKET_APPS.map(TT)),
    ...Object.fromEntries(TRAIN_TICKET_MONGO.map((s) => [`ts-${s}-mongo`, 'database' as const])),
    'ts-voucher-mysql': 'database',
    redis: 'cache',
  },
  requests: [
    { name: 'search high-speed trips', share: 0.3, calls: [['ts-ui-dashboard', TT('travel'), 1], ...tripDetails('travel', 5)] },
    { name: 'search other trips', share: 0.15, calls: [['ts-ui-dashboard', TT('travel2'), 1], ...tripDetails('travel2', 5)] },
    {
      name: 'plan a journey',
      share: 0.08,
      calls: [
        ['ts-ui-dashboard', TT('travel-plan'), 1],
        [TT('travel-plan'), TT('route-plan'), 1],
        [TT('route-plan'), TT('route'), 1],
        [TT('route-plan'), TT('station'), 1],
        [TT('route-plan'), TT('travel'), 1],
        [TT('route-plan'), TT('travel2'), 1],
        [TT('travel-plan'), TT('ticketinfo'), 3],
        [TT('travel-plan'), TT('seat'), 3],
        [TT('travel-plan'), TT('station'), 2],
        ...tripDetails('travel', 3),
      ],
    },
    {
      name: 'log in',
      share: 0.08,
      calls: [
        ['ts-ui-dashboard', TT('verification-code'), 1],
        ['ts-ui-dashboard', TT('auth'), 1],
        [TT('auth'), TT('verification-code'), 1],
        [TT('auth'), 'ts-auth-mongo', 1],
      ],
    },
    {
      name: 'book a ticket',
      share: 0.08,
      calls: [
        ['ts-ui-dashboard', TT('contacts'), 1],
        [TT('contacts'), 'ts-contacts-mongo', 1],
        ['ts-ui-dashboard', TT('assurance'), 1],
        ['ts-ui-dashboard', TT('food'), 1],
        [TT('food'), TT('food-map'), 1],
        [TT('food'), TT('station'), 1],
        [TT('food'), TT('travel'), 1],
        [TT('food-map'), 'ts-food-map-mongo', 1],
        ['ts-ui-dashboard', TT('preserve'), 1],
        [TT('preserve'), TT('security'), 1],
        [TT('security'), TT('order'), 1],
        [TT('security'), TT('order-other'), 1],
        [TT('security'), 'ts-security-mongo', 1],
        [TT('preserve'), TT('contacts'), 1],
        [TT('preserve'), TT('travel'), 1],
        [TT('preserve'), TT('ticketinfo'), 1],
        [TT('ticketinfo'), TT('basic'), 1],
        [TT('basic'), TT('station'), 2],
        [TT('basic'), TT('train'), 1],
        [TT('basic'), TT('route'), 1],
        [TT('basic'), TT('price'), 1],
        [TT('preserve'), TT('seat'), 1],
        [TT('seat'), TT('order'), 1],
        [TT('seat'), TT('config'), 1],
        [TT('preserve'), TT('station'), 2],
        [TT('preserve'), TT('order'), 1],
        [TT('order'), 'ts-order-mongo', 3],
        [TT('preserve'), TT('user'), 1],
        [TT('user'), 'ts-user-mongo', 1],
        [TT('preserve'), TT('assurance'), 0.5],
        [TT('assurance'), 'ts-assurance-mongo', 0.5],
        [TT('preserve'), TT('food'), 0.5],
        [TT('food'), 'ts-food-mongo', 0.5],
        [TT('preserve'), TT('consign'), 0.2],
        [TT('consign'), TT('consign-price'), 0.2],
        [TT('consign'), 'ts-consign-mongo', 0.2],
        [TT('consign-price'), 'ts-consign-price-mongo', 0.2],
        [TT('preserve'), TT('notification'), 1],
      ],
    },
    {
      name: 'book a ticket on another train (preserve-other: the same steps against travel2 and order-other)',
      share: 0.03,
      calls: [
        ['ts-ui-dashboard', TT('preserve-other'), 1],
        [TT('preserve-other'), TT('security'), 1],
        [TT('security'), TT('order'), 1],
        [TT('security'), TT('order-other'), 1],
        [TT('preserve-other'), TT('contacts'), 1],
        [TT('preserve-other'), TT('travel2'), 1],
        [TT('preserve-other'), TT('ticketinfo'), 1],
        [TT('preserve-other'), TT('seat'), 1],
        [TT('seat'), TT('order-other'), 1],
        [TT('preserve-other'), TT('station'), 2],
        [TT('preserve-other'), TT('order-other'), 1],
        [TT('order-other'), 'ts-order-other-mongo', 3],
        [TT('preserve-other'), TT('user'), 1],
        [TT('preserve-other'), TT('notification'), 1],
      ],
    },
    {
      name: 'view orders',
      share: 0.15,
      calls: [
        ['ts-ui-dashboard', TT('order'), 1],
        ['ts-ui-dashboard', TT('order-other'), 1],
        [TT('order'), 'ts-order-mongo', 1],
        [TT('order-other'), 'ts-order-other-mongo', 1],
        [TT('order'), TT('station'), 2],
        [TT('order-other'), TT('station'), 2],
        [TT('station'), 'ts-station-mongo', 4],
      ],
    },
    {
      name: 'pay',
      share: 0.06,
      calls: [
        ['ts-ui-dashboard', TT('inside-payment'), 1],
        [TT('inside-payment'), TT('order'), 2],
        [TT('inside-payment'), TT('payment'), 1],
        [TT('inside-payment'), 'ts-inside-payment-mongo', 2],
        [TT('payment'), 'ts-payment-mongo', 1],
        [TT('order'), 'ts-order-mongo', 2],
      ],
    },
    {
      name: 'collect and enter the station',
      share: 0.04,
      calls: [
        ['ts-ui-dashboard', TT('execute'), 2],
        [TT('execute'), TT('order'), 4],
        [TT('order'), 'ts-order-mongo', 4],
      ],
    },
    {
      name: 'cancel or rebook',
      share: 0.02,
      calls: [
        ['ts-ui-dashboard', TT('cancel'), 1],
        [TT('cancel'), TT('order'), 2],
        [TT('cancel'), TT('inside-payment'), 1],
        [TT('cancel'), TT('notification'), 1],
        [TT('cancel'), TT('user'), 1],
        ['ts-ui-dashboard', TT('rebook'), 0.5],
        [TT('rebook'), TT('order'), 1],
        [TT('rebook'), TT('seat'), 1],
        [TT('rebook'), TT('travel'), 1],
        [TT('rebook'), TT('inside-payment'), 0.5],
        [TT('rebook'), 'ts-rebook-mongo', 0.5],
      ],
    },
    {
      name: 'the rest of the site (news, vouchers, offices, avatars, admin pages)',
      share: 0.04,
      calls: [
        ['ts-ui-dashboard', TT('news'), 1],
        [TT('news'), 'ts-news-mongo', 1],
        ['ts-ui-dashboard', TT('voucher'), 0.2],
        [TT('voucher'), TT('order'), 0.2],
        [TT('voucher'), 'ts-voucher-mysql', 0.2],
        ['ts-ui-dashboard', TT('ticket-office'), 0.5],
        [TT('ticket-office'), 'ts-ticket-office-mongo', 0.5],
        ['ts-ui-dashboard', TT('avatar'), 0.2],
        ['ts-ui-dashboard', TT('admin-basic-info'), 0.1],
        [TT('admin-basic-info'), TT('station'), 0.1],
        [TT('admin-basic-info'), TT('train'), 0.1],
        [TT('admin-basic-info'), TT('config'), 0.1],
        [TT('admin-basic-info'), TT('price'), 0.1],
        [TT('admin-basic-info'), TT('contacts'), 0.1],
        ['ts-ui-dashboard', TT('admin-order'), 0.1],
        [TT('admin-order'), TT('order'), 0.1],
        [TT('admin-order'), TT('order-other'), 0.1],
        ['ts-ui-dashboard', TT('admin-route'), 0.05],
        [TT('admin-route'), TT('route'), 0.05],
        ['ts-ui-dashboard', TT('admin-travel'), 0.05],
        [TT('admin-travel'), TT('travel'), 0.05],
        [TT('admin-travel'), TT('travel2'), 0.05],
        ['ts-ui-dashboard', TT('admin-user'), 0.05],
        [TT('admin-user'), TT('user'), 0.05],
        [TT('user'), TT('auth'), 0.05],
      ],
    },
  ],
};

export const PUBLISHED_TOPOLOGIES = {
  'social-network': SOCIAL_NETWORK,
  'hotel-reservation': HOTEL_RESERVATION,
  'media-microservices': MEDIA_MICROSERVICES,
  'train-ticket': TRAIN_TICKET,
} as const;
export type PublishedTopology = keyof typeof PUBLISHED_TOPOLOGIES;

export interface PublishedInstanceOptions {
  /** Nodes, spread evenly over 3 zones. */
  nodes: number;
  /** Replicas of every stateless service (databases and caches keep one). */
  replicas: number;
  /** Requests per second entering the application (default 1,000). */
  entryRps?: number;
}

/** Node sizes the instance picks from: the smallest that keeps requested CPU at or below 70 % of allocatable. */
const NODE_CORES = [2, 4, 8, 16, 32];
const TARGET_UTILISATION = 0.7;

/** The placement instance of a published application on `nodes` nodes in 3 zones (same options, same instance). */
export function publishedInstance(name: PublishedTopology, options: PublishedInstanceOptions): PlacementInstance {
  const topology = PUBLISHED_TOPOLOGIES[name];
  const entryRps = options.entryRps ?? 1_000;
  const services: ServiceDemand[] = Object.entries(topology.services).map(([service, kind]) => ({
    name: service,
    replicas: kind === 'app' ? options.replicas : 1,
    ...SHAPES[kind],
  }));
  const rps = new Map<string, number>();
  for (const request of topology.requests)
    for (const [from, to, perRequest] of request.calls) {
      const key = `${from}\u0000${to}`;
      rps.set(key, (rps.get(key) ?? 0) + request.share * entryRps * perRequest);
    }
  const traffic: TrafficEdge[] = [...rps].map(([key, value]) => {
    const [from, to] = key.split('\u0000');
    return { from, to, rps: Math.round(value * 100) / 100 };
  });
  const requestedCpu = services.reduce((sum, s) => sum + s.replicas * s.cpu, 0);
  const cores = NODE_CORES.find((c) => requestedCpu <= TARGET_UTILISATION * c * 1_000 * options.nodes) ?? NODE_CORES[NODE_CORES.length - 1];
  const zones = ['zone-a', 'zone-b', 'zone-c'];
  const nodes: PlacementNode[] = Array.from({ length: options.nodes }, (_, i) => ({
    id: `node-${String(i + 1).padStart(2, '0')}`,
    zone: zones[i % zones.length],
    cluster: 'default',
    cpu: cores * 1_000,
    memory: cores * 4_096,
    risk: 0,
  }));
  return PlacementInstanceSchema.parse({ version: 1, services, nodes, traffic });
}
